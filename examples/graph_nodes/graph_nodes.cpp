// A small graph executor (the shape of LangGraph-style pipelines): nodes run in dependency order,
// transient failures are retried, and the trace shows each node with its retry count and, when
// it fails for good, the error.
//
//   graph_nodes [--flaky NODE=N]... [--broken NODE] [--invalid NODE] [--max-retries N]
//
//   --flaky fetch=2    fetch fails twice with a transient error, then succeeds
//   --broken enrich    enrich fails with a transient error every time (retries run out)
//   --invalid parse    parse fails with a non-retryable error (no retry)
//
// Spans: "graph report" (root) -> "node NAME" (one per node, manual: retry count, status, error
// attributes, links to the nodes it depends on) -> one plugin span per attempt of the node's
// function (namespace graph_app::nodes), each failed attempt with its own exception event.
// Nodes downstream of a failure are skipped; their spans say which dependency failed.
#include <autospan/autospan.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace graph_app {

// Worth retrying: the next attempt may succeed.
struct TransientError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Not worth retrying: the input is wrong.
struct InvalidInput : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// What to break, per node name.
struct FaultPlan {
  std::map<std::string, int> flaky; // fail this many attempts, then succeed
  std::vector<std::string> broken;  // always fail (transient)
  std::vector<std::string> invalid; // fail once, non-retryable
};

using State = std::map<std::string, std::string>;

namespace nodes {

// The fault injection is scaffolding, not part of the work: no span of its own.
void maybe_fail(const std::string& node, int attempt, const FaultPlan& plan) AUTOSPAN_NO_TRACE;
void maybe_fail(const std::string& node, int attempt, const FaultPlan& plan) {
  for (const auto& b : plan.invalid)
    if (b == node)
      throw InvalidInput(node + ": malformed input record");
  for (const auto& b : plan.broken)
    if (b == node)
      throw TransientError(node + ": upstream unavailable (attempt " + std::to_string(attempt) +
                           ")");
  auto f = plan.flaky.find(node);
  if (f != plan.flaky.end() && attempt <= f->second)
    throw TransientError(node + ": connection reset (attempt " + std::to_string(attempt) + ")");
}

std::string fetch(State&, int attempt, const FaultPlan& plan) {
  maybe_fail("fetch", attempt, plan);
  return "id,value;1,10;2,32";
}

std::string parse(State& state, int attempt, const FaultPlan& plan) {
  maybe_fail("parse", attempt, plan);
  int rows = 0;
  for (char c : state["fetch"])
    rows += c == ';';
  return std::to_string(rows) + " rows";
}

std::string enrich(State& state, int attempt, const FaultPlan& plan) {
  maybe_fail("enrich", attempt, plan);
  return state["parse"] + " + exchange rates";
}

std::string classify(State& state, int attempt, const FaultPlan& plan) {
  maybe_fail("classify", attempt, plan);
  return state["parse"] + " -> 2 categories";
}

std::string summarize(State& state, int attempt, const FaultPlan& plan) {
  maybe_fail("summarize", attempt, plan);
  return "summary of " + state["enrich"] + " and " + state["classify"];
}

} // namespace nodes
} // namespace graph_app

namespace executor {

using NodeFn = std::function<std::string(graph_app::State&, int, const graph_app::FaultPlan&)>;

struct Node {
  std::string name;
  std::vector<std::string> depends_on;
  NodeFn run;
};

struct Outcome {
  bool ok = false;
  autospan::Context span; // for the links of dependent nodes
};

// Runs one node with retries. Only TransientError is retried, with a short backoff.
Outcome run_node(const Node& node, graph_app::State& state, const graph_app::FaultPlan& plan,
                 int max_retries, const std::map<std::string, Outcome>& done) {
  autospan::Span span("node " + node.name);
  span.set_attribute("graph.node.name", node.name);
  for (const auto& dep : node.depends_on)
    span.add_link(done.at(dep).span, {{"graph.edge", "depends_on"}, {"graph.node.name", dep}});
  Outcome outcome{false, span.context()};

  for (const auto& dep : node.depends_on) {
    if (!done.at(dep).ok) {
      span.set_attribute("graph.node.status", "skipped");
      span.set_attribute("graph.node.skipped_because", dep);
      return outcome;
    }
  }
  int attempt = 1;
  for (;; ++attempt) {
    try {
      state[node.name] = node.run(state, attempt, plan);
      outcome.ok = true;
      break;
    } catch (const graph_app::TransientError& e) {
      if (attempt > max_retries) {
        span.record_exception(e);
        span.set_attribute("error.type", "graph_app::TransientError");
        span.set_attribute("graph.node.error", "retries exhausted");
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2 * attempt));
    } catch (const std::exception& e) {
      span.record_exception(e);
      span.set_attribute("error.type", "graph_app::InvalidInput");
      span.set_attribute("graph.node.error", "not retryable");
      break;
    }
  }
  span.set_attribute("graph.node.attempts", attempt);
  span.set_attribute("graph.node.retry_count", attempt - 1);
  span.set_attribute("graph.node.status", outcome.ok ? "ok" : "failed");
  return outcome;
}

int run_graph(const std::vector<Node>& graph, const graph_app::FaultPlan& plan, int max_retries) {
  autospan::Span span("graph report");
  span.set_attribute("graph.name", "report");
  span.set_attribute("graph.max_retries", max_retries);
  graph_app::State state;
  std::map<std::string, Outcome> done;
  int failed = 0;
  int skipped = 0;
  for (const Node& node : graph) { // listed in dependency order
    bool runnable = true;
    for (const auto& dep : node.depends_on)
      runnable = runnable && done.at(dep).ok;
    done[node.name] = run_node(node, state, plan, max_retries, done);
    if (!done[node.name].ok)
      ++(runnable ? failed : skipped);
    std::printf("%-9s %s\n", node.name.c_str(),
                done[node.name].ok ? state[node.name].c_str()
                : runnable         ? "FAILED"
                                   : "skipped");
  }
  span.set_attribute("graph.nodes.failed", failed);
  span.set_attribute("graph.nodes.skipped", skipped);
  if (failed > 0)
    span.set_status(autospan::status_code::error, std::to_string(failed) + " node(s) failed");
  return failed > 0 ? 1 : 0;
}

} // namespace executor

int main(int argc, char** argv) {
  graph_app::FaultPlan plan;
  int max_retries = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    std::string value = argv[i + 1];
    if (flag == "--flaky" && value.find('=') != std::string::npos)
      plan.flaky[value.substr(0, value.find('='))] = std::atoi(value.c_str() + value.find('=') + 1);
    else if (flag == "--broken")
      plan.broken.push_back(value);
    else if (flag == "--invalid")
      plan.invalid.push_back(value);
    else if (flag == "--max-retries")
      max_retries = std::atoi(value.c_str());
    else {
      std::fprintf(stderr,
                   "usage: graph_nodes [--flaky NODE=N]... [--broken NODE] [--invalid NODE] "
                   "[--max-retries N]\n");
      return 2;
    }
  }
  namespace n = graph_app::nodes;
  std::vector<executor::Node> graph{
      {"fetch", {}, n::fetch},
      {"parse", {"fetch"}, n::parse},
      {"enrich", {"parse"}, n::enrich},
      {"classify", {"parse"}, n::classify},
      {"summarize", {"enrich", "classify"}, n::summarize},
  };
  return executor::run_graph(graph, plan, max_retries);
}
