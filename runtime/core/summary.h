// AUTOSPAN_SUMMARY=1: the per-function table printed to stderr at exit.
#pragma once

#include <cstdio>

namespace autospan::internal {

class BatchWorker;
void print_summary(std::FILE* out, BatchWorker& worker);

} // namespace autospan::internal
