// An LLM agent workflow traced as run -> agent -> task -> thread -> model_invoke -> tool (the
// span hierarchy vLLora shows), with the run and thread ids as baggage copied onto every span.
//
//   AUTOSPAN_BAGGAGE_ATTRIBUTES=run_id,thread_id agent_workflow [--run-id ID] [--thread-id ID]
//                                                               [--fail-tool] "question"
//
// Two kinds of spans meet here:
// - The workflow levels are hand-made spans (namespace workflow, not instrumented): their names
//   are the level, and they carry what only the program knows (agent name, model, token counts).
// - The model client and the tools are plain functions in namespace agent_app, which the autospan
//   plugin instruments: they appear below the level that called them without a line of tracing
//   code.
// The conversation thread runs on a worker std::thread; a ContextScope hands it the trace and the
// baggage, so its spans are children of the task and carry the same ids.
#include <autospan/autospan.h>

#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace agent_app {
namespace llm {

struct Completion {
  std::string text;
  std::string tool_call; // empty: a final answer
  int input_tokens = 0;
  int output_tokens = 0;
};

// Called once per message: too small to be worth a span of its own.
int count_tokens(const std::string& text) AUTOSPAN_NO_TRACE;
int count_tokens(const std::string& text) {
  int tokens = 1;
  for (char c : text)
    tokens += c == ' ';
  return tokens;
}

// A deterministic stand-in for a chat model: asks for the search tool once, then answers.
Completion complete(const std::vector<std::string>& messages) {
  Completion c;
  c.input_tokens = 0;
  for (const auto& m : messages)
    c.input_tokens += count_tokens(m);
  bool has_tool_result = messages.size() > 1 && messages.back().rfind("tool:", 0) == 0;
  if (!has_tool_result) {
    c.tool_call = "search_docs";
    c.text = "search_docs(" + messages.front() + ")";
  } else {
    c.text = "Answer based on " + messages.back().substr(5);
  }
  c.output_tokens = count_tokens(c.text);
  return c;
}

} // namespace llm

namespace tools {

std::string search_docs(const std::string& query, bool fail) {
  if (fail)
    throw std::runtime_error("search backend unavailable");
  return "3 documents about '" + query + "'";
}

} // namespace tools
} // namespace agent_app

namespace workflow {

struct Settings {
  std::string question = "How do I trace a C++ service?";
  bool fail_tool = false;
};

std::string tool(const std::string& name, const std::string& query, const Settings& settings) {
  autospan::Span span("tool");
  span.set_attribute("gen_ai.tool.name", name);
  span.set_attribute("gen_ai.operation.name", "execute_tool");
  try {
    return agent_app::tools::search_docs(query, settings.fail_tool);
  } catch (const std::exception& e) {
    // The model is told the tool failed and answers anyway: the error stays on this span.
    span.record_exception(e);
    span.set_attribute("error.type", "tool_error");
    return std::string("error: ") + e.what();
  }
}

struct Turn {
  agent_app::llm::Completion completion;
  std::string tool_result;
};

// One model call. A tool the model asks for runs inside the call, so its span is a child of
// model_invoke (the way agent frameworks report tool calls).
Turn model_invoke(const std::vector<std::string>& messages, const Settings& settings) {
  autospan::Span span("model_invoke", autospan::span_kind::client);
  span.set_attribute("gen_ai.operation.name", "chat");
  span.set_attribute("gen_ai.system", "mock");
  span.set_attribute("gen_ai.request.model", "mock-chat-1");
  Turn turn{agent_app::llm::complete(messages), {}};
  span.set_attribute("gen_ai.usage.input_tokens", turn.completion.input_tokens);
  span.set_attribute("gen_ai.usage.output_tokens", turn.completion.output_tokens);
  span.set_attribute("gen_ai.response.finish_reasons",
                     {turn.completion.tool_call.empty() ? "stop" : "tool_calls"});
  if (!turn.completion.tool_call.empty())
    turn.tool_result = tool(turn.completion.tool_call, settings.question, settings);
  return turn;
}

// One conversation thread: model (-> tool), model, ... until the model answers.
std::string thread(const Settings& settings) {
  autospan::Span span("thread");
  std::vector<std::string> messages{settings.question};
  for (int turn = 1; turn <= 4; ++turn) {
    Turn t = model_invoke(messages, settings);
    if (t.completion.tool_call.empty()) {
      span.set_attribute("thread.turns", turn);
      return t.completion.text;
    }
    messages.push_back("tool:" + t.tool_result);
  }
  throw std::runtime_error("no answer after 4 turns");
}

std::string task(const Settings& settings) {
  autospan::Span span("task");
  span.set_attribute("task.name", "answer_question");
  // The thread runs on a worker: hand it this context (trace + baggage) explicitly.
  std::string answer;
  std::exception_ptr failure;
  std::thread worker([&, context = autospan::current_context()] {
    autospan::ContextScope scope(context);
    try {
      answer = thread(settings);
    } catch (...) {
      failure = std::current_exception();
    }
  });
  worker.join();
  if (failure)
    std::rethrow_exception(failure);
  return answer;
}

std::string agent(const Settings& settings) {
  autospan::Span span("agent");
  span.set_attribute("gen_ai.agent.name", "docs-helper");
  return task(settings);
}

std::string run(const Settings& settings, const std::string& run_id, const std::string& thread_id) {
  // Set before the first span: every span of the run, on every thread, carries both ids.
  autospan::baggage::set("run_id", run_id);
  autospan::baggage::set("thread_id", thread_id);
  autospan::Span span("run");
  span.set_attribute("run.question", settings.question);
  return agent(settings);
}

} // namespace workflow

int main(int argc, char** argv) {
  workflow::Settings settings;
  std::string run_id = "run-0001";
  std::string thread_id = "thread-0001";
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--run-id") == 0 && i + 1 < argc)
      run_id = argv[++i];
    else if (std::strcmp(argv[i], "--thread-id") == 0 && i + 1 < argc)
      thread_id = argv[++i];
    else if (std::strcmp(argv[i], "--fail-tool") == 0)
      settings.fail_tool = true;
    else
      settings.question = argv[i];
  }
  try {
    std::printf("%s\n", workflow::run(settings, run_id, thread_id).c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "agent_workflow: %s\n", e.what());
    return 1;
  }
  return 0;
}
