// The `file` exporter: OTLP/JSON lines, one ExportTraceServiceRequest per line, as the
// OpenTelemetry Collector's file exporter writes them and its otlpjsonfile receiver reads them.
#include "../log.h"
#include "exporters.h"
#include "otlp_json.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace autospan::internal {
namespace {

class FileExporter final : public SpanExporter {
public:
  explicit FileExporter(std::string path) : path_(std::move(path)) {
    // O_APPEND: a forked child (or another process) writing the same file never interleaves
    // inside a line, since each batch is one write() of whole lines. O_CLOEXEC: exec'd children
    // do not inherit it.
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0)
      AUTOSPAN_LOG(Error, "file exporter: cannot open %s: %s", path_.c_str(), std::strerror(errno));
  }
  ~FileExporter() override { close_file(); }

  bool is_open() const noexcept { return fd_ >= 0; }

  ExportResult export_batch(const ExportBatch& batch, std::chrono::milliseconds) noexcept override {
    if (batch.count == 0)
      return ExportResult::Success;
    if (fd_ < 0)
      return ExportResult::Failure;
    try {
      encode_otlp_json(batch, line_);
      line_ += '\n';
    } catch (...) {
      return ExportResult::Failure;
    }
    const char* p = line_.data();
    std::size_t left = line_.size();
    while (left > 0) {
      ssize_t n = ::write(fd_, p, left);
      if (n < 0) {
        if (errno == EINTR)
          continue;
        if (!reported_) {
          reported_ = true;
          AUTOSPAN_LOG(Error, "file exporter: writing %s failed: %s", path_.c_str(),
                       std::strerror(errno));
        }
        return ExportResult::Failure;
      }
      p += n;
      left -= static_cast<std::size_t>(n);
    }
    return ExportResult::Success;
  }

  void shutdown(std::chrono::milliseconds) noexcept override { close_file(); }
  const char* name() const noexcept override { return "file"; }

private:
  void close_file() noexcept {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = -1;
  }

  std::string path_;
  int fd_ = -1;
  bool reported_ = false;
  std::string line_;
};

} // namespace

std::unique_ptr<SpanExporter> make_file_exporter(const FileOptions& options) {
  auto exporter = std::make_unique<FileExporter>(options.path);
  if (!exporter->is_open())
    return nullptr; // already reported
  return exporter;
}

} // namespace autospan::internal
