// The export thread: drains the per-thread rings, turns records into SpanData (or, when every
// exporter takes OTLP protobuf, encodes auto spans straight into protobuf bytes), batches them
// (OTEL_BSP_*) and hands each batch to the sender thread, which calls the exporters. While a
// batch is in flight the export thread keeps draining the rings. Owns everything that is not the
// hot path.
#pragma once

#include "../exporter.h"
#include "../span_data.h"
#include "clock.h"
#include "runtime.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace autospan::internal {

struct DropCounts {
  std::uint64_t buffer_full = 0;    // a thread's ring was full
  std::uint64_t queue_full = 0;     // manual spans refused while the export queue was full
  std::uint64_t export_failed = 0;  // the exporter gave up on a batch
  std::uint64_t unsent = 0;         // still buffered when the final flush's deadline passed
  std::uint64_t stack_overflow = 0; // calls nested deeper than the shadow stack
  std::uint64_t total() const {
    return buffer_full + queue_full + export_failed + unsent + stack_overflow;
  }
};

// Per-site statistics for AUTOSPAN_SUMMARY.
struct SiteStats {
  std::uint64_t calls = 0;
  std::uint64_t filtered = 0;
  double total_ns = 0;
  double self_ns = 0;
  double max_ns = 0;
  std::vector<float> samples_ns; // reservoir for percentiles
};

class BatchWorker {
public:
  BatchWorker(Resource resource, InstrumentationScope scope,
              std::vector<std::unique_ptr<SpanExporter>> exporters);
  BatchWorker(const BatchWorker&) = delete;
  BatchWorker& operator=(const BatchWorker&) = delete;

  void start();
  // Wakes the export thread (producer side: lock-free).
  void wake() noexcept;
  // wake(), unless the sender polls the rings anyway (a ring below three quarters full).
  void nudge() noexcept;
  // Exports everything recorded so far; waits at most `timeout`. Returns false on timeout, and
  // when spans stay queued because the collector is unavailable.
  bool flush(std::chrono::nanoseconds timeout);
  // Final flush and exporter shutdown, bounded by `timeout`; the export thread stops.
  bool shutdown(std::chrono::nanoseconds timeout);
  // In a fork child: forget the parent's queue and thread, make fresh exporters.
  void after_fork_child(Resource resource, std::vector<std::unique_ptr<SpanExporter>> exporters);
  void replace_exporters(std::vector<std::unique_ptr<SpanExporter>> exporters);

  DropCounts drops();
  // drops() without waiting: false when the export thread holds the pipeline (a final flush that
  // overran its deadline).
  bool try_drops(DropCounts& out);
  std::uint64_t exported() const { return exported_.load(std::memory_order_relaxed); }
  std::vector<std::pair<std::uint32_t, SiteStats>> site_stats();
  const Resource& resource() const { return resource_; }

  struct QueueBlock; // one batch's worth of queued spans (batch_worker.cpp)
  struct SiteBytes;  // a site's constant span fields, encoded once

private:
  // How a batch fared with the exporters.
  struct SendOutcome {
    std::size_t succeeded = 0, transient = 0, permanent = 0;
    bool expired = false; // the deadline had passed: nothing was attempted
  };

  void run();
  void sender_run();
  // On the sender, after a batch: when it went through and the export thread is not busy with
  // the pipeline, completes it and takes the next due batch itself (no wake-up of the export
  // thread and back per batch). False: hand the outcome to the export thread.
  bool continue_sending(QueueBlock* job, const SendOutcome& outcome);
  // On the idle sender, woken by a producer: drains the rings and takes the next due batch
  // when the export thread is not in the pipeline. True when it took a batch.
  bool serve_rings();
  // Wakes the sender if it sleeps idle (after a batch was handed to it, or to quit).
  void wake_sender();
  // Moves records from all rings into the queue; returns true when some ring still has records
  // (the queue filled up).
  bool drain_rings();
  // False when it stopped at the queue limit with records left (a backlog).
  bool drain_ring(ThreadState* t);
  // Takes a thread's current name before its records are converted (rate-limited for live
  // threads, see kNameRefresh).
  void refresh_thread_name(ThreadState* t);
  void convert(ThreadState* t, const Record& r);
  // Encodes an auto span straight into the queue's protobuf bytes; false when it needs the
  // general path (SpanData).
  bool encode_direct(const ThreadState* t, const Record& r);
  bool prepare_direct(ThreadState* t);
  // TickConverter::to_unix_nanos with the values prepare_direct() took (the same arithmetic,
  // inline).
  std::uint64_t unix_nanos(std::uint64_t ticks) const {
    double delta = static_cast<double>(static_cast<std::int64_t>(ticks - direct_.anchor_ticks));
    return direct_.anchor_real_ns +
           static_cast<std::uint64_t>(static_cast<std::int64_t>(delta * direct_.ns_per_tick));
  }
  SiteBytes* site_bytes(std::uint32_t site_id);
  void build_site_tail(SiteBytes& sb);
  void update_thread_bytes(ThreadState* t);
  bool all_exporters_take_protobuf() const;
  void add_common_attributes(SpanData& sd, ThreadState* t, bool root, bool thread_id);
  void finish_span(SpanData& sd);
  // Exports full batches (all queued spans when `all`), waiting for each. Returns false when the
  // exporters reported the collector unavailable: the batch stays queued for a later attempt (not
  // while stopping), or when a batch in flight did not return by the deadline.
  bool export_queue(std::chrono::steady_clock::time_point deadline, bool all);
  // Without waiting: hands the next batch to the sender when it is idle and a batch is due
  // (full, `due`, or the rings have a backlog).
  void pump(std::chrono::steady_clock::time_point deadline, bool backlog);
  // Gives the front block to the sender (or exports it here when there is no sender thread).
  void dispatch(std::chrono::steady_clock::time_point deadline);
  // Collects the sender's result, waiting for it until `wait_until` at most. True when no batch
  // is in flight any more; `flowing` false when the collector was found unavailable.
  bool collect(std::chrono::steady_clock::time_point wait_until, bool* flowing = nullptr);
  SendOutcome send_block(QueueBlock& block, std::chrono::steady_clock::time_point deadline);
  // Applies a batch's outcome; returns false when the collector is unavailable (batch kept).
  bool complete(const SendOutcome& outcome);
  std::size_t batch_size() const;
  // Stopping: tells the exporters (a call in flight returns by the deadline).
  void begin_stop(std::chrono::steady_clock::time_point deadline);
  // Stopping, after the last attempt: what is still queued or buffered counts as unsent.
  void count_unsent();
  DropCounts collect_drops();
  void note_site_stat(const Record& r);
  SpanData& next_slot();
  QueueBlock& fill_block();

  Resource resource_;
  InstrumentationScope scope_;
  std::vector<std::unique_ptr<SpanExporter>> exporters_;

  // Everything below is touched only by whoever holds pipeline_mutex_ (the export thread, or the
  // exiting thread when there is none).
  std::mutex pipeline_mutex_;
  // Queued batches, oldest first; the front one may be in flight (in_flight_). queued_ counts the
  // spans of the others (OTEL_BSP_MAX_QUEUE_SIZE bounds it; a batch being exported has left the
  // queue, as in the OpenTelemetry SDKs).
  std::deque<std::unique_ptr<QueueBlock>> blocks_;
  std::vector<std::unique_ptr<QueueBlock>> spare_blocks_;
  QueueBlock* in_flight_ = nullptr;
  // A batch outlived the final flush's deadline in the sender: the exporters stay its own.
  bool abandoned_ = false;
  std::size_t queued_ = 0;
  bool backlog_ = false;       // the last drain left records in a ring (the queue was full)
  bool encode_direct_ = false; // every exporter takes protobuf-encoded spans
  std::vector<std::unique_ptr<SiteBytes>> site_bytes_; // by site id
  std::string thread_bytes_;           // the drained thread's thread.id (+ thread.name) attributes
  std::uint64_t thread_bytes_tid_ = 0; // whose thread_bytes_ these are, with which name
  std::uint64_t thread_bytes_gen_ = 1; // bumped when thread_bytes_ change (SiteBytes::tail_gen)
  char thread_bytes_name_[16] = {};
  struct DirectDrain {
    bool roots = false;             // roots take the direct path (no pipeline id)
    std::size_t attribute_room = 0; // for a site's attributes under the count limit
    bool env_trace_state = false;   // TRACEPARENT's trace carries a TRACESTATE
    std::uint64_t env_hi = 0, env_lo = 0;
    std::uint64_t anchor_ticks = 0, anchor_real_ns = 0;
    double ns_per_tick = 1.0;
    QueueBlock* block = nullptr; // the block encode_direct fills, and how many more spans it takes
    std::size_t block_left = 0;  // (0: find it with fill_block)
  } direct_;                     // prepare_direct()'s values for the current drain
  std::size_t thread_attribute_count_ = 0;
  // When each live thread's name was last read from /proc. A rename shows in the spans drained
  // at most this long after it (those recorded just before it too: names are per drain).
  static constexpr std::chrono::milliseconds kNameRefresh{10};
  std::unordered_map<const ThreadState*, std::chrono::steady_clock::time_point> name_read_;
  std::vector<ThreadState*> live_;
  std::vector<ThreadState*> exited_;
  TickConverter converter_;
  std::chrono::steady_clock::time_point next_export_;
  std::unordered_map<std::uint32_t, SiteStats> stats_;
  std::string process_comm_;
  std::uint64_t exit_drops_buffer_ = 0; // from states already destroyed
  std::uint64_t exit_drops_overflow_ = 0;
  // After the collector was found unavailable, the queued batch waits until then (flushes and
  // the final export do not).
  std::chrono::steady_clock::time_point paused_until_{};

  // Coordination.
  std::mutex control_mutex_;
  std::condition_variable control_cv_;
  std::uint64_t flush_requested_ = 0;
  std::uint64_t flush_done_ = 0;
  bool flush_ok_ = true; // the last flush left nothing queued (the collector took everything)
  bool stop_ = false;
  bool stopped_ = false;
  std::chrono::steady_clock::time_point stop_deadline_{};
  std::thread thread_;
  bool running_ = false;

  // The sender thread: calls the exporters with one batch at a time, so that the export thread
  // goes on draining the rings while a request is in flight.
  std::mutex send_mutex_;
  std::condition_variable send_cv_;
  QueueBlock* send_job_ = nullptr; // handed over, not yet taken back
  std::chrono::steady_clock::time_point send_deadline_{};
  SendOutcome send_outcome_;
  bool send_quit_ = false;
  std::atomic<bool> sender_running_{false};       // a sender thread exists (set by start())
  std::atomic<bool> send_done_{false};            // send_outcome_ is ready
  std::atomic<std::uint32_t> sender_seq_{0};      // futex word the idle sender sleeps on
  std::atomic<bool> sender_idle_{false};          // the sender sleeps with nothing to send
  std::atomic<std::uint32_t> unserved_wakes_{0};  // producer wake-ups since the sender last woke
  std::atomic<bool> sender_polling_{false};       // the sender comes back to the rings on a timer
  std::atomic<std::uint64_t> drained_records_{0}; // records taken from the rings (pipeline lock)
  // How many records a ring may take before the sender's next poll: the least among the rings
  // that had records at the last drain that found any (0: none yet; drain_ring says how much).
  // drained_poll_room_ is the current drain's.
  std::atomic<std::size_t> poll_room_{0};
  std::size_t drained_poll_room_ = 0;
  // The sender's poll period: poll_room_'s worth at the rate seen, within these bounds; it
  // polls only while that rate brings at least kPollMinRecords per kPollMax.
  static constexpr std::chrono::microseconds kPollMin{100};
  static constexpr std::chrono::milliseconds kPollMax{10};
  static constexpr std::uint64_t kPollMinRecords = 64;

  std::atomic<std::uint32_t> wake_seq_{0};
  std::atomic<bool> sleeping_{false};
  std::atomic<std::uint64_t> exported_{0};
  std::atomic<std::uint64_t> export_failed_{0};
  std::atomic<std::uint64_t> queue_full_{0};
  std::atomic<std::uint64_t> unsent_{0};
  std::atomic<bool> final_{false}; // stopping: failed batches are dropped, not kept
};

// The process-wide worker (nullptr before initialisation or when disabled). Never destroyed: the
// export thread may outlive static destruction when a final flush times out.
BatchWorker* worker() noexcept;
void set_worker(BatchWorker* w) noexcept;

// Hands a finished manual span to the export thread (through the calling thread's ring).
// Takes ownership; times are in ticks (converted on the export thread).
bool submit_manual_span(SpanData* span, std::uint64_t start_ticks,
                        std::uint64_t end_ticks) noexcept;

} // namespace autospan::internal
