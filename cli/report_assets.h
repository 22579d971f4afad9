// The HTML report's page code, embedded at build time from cli/report/ (cmake/embed step).
#pragma once

#include <string_view>

namespace autospan::cli::assets {

std::string_view report_html();
std::string_view report_css();
std::string_view report_js();

} // namespace autospan::cli::assets
