// The options table: defaults, parsing, one warning plus the default on a bad value.
#include "core/options.h"
#include "core/runtime_internal.h"

#include <catch2/catch.hpp>

#include <map>
#include <unistd.h>

#if defined(AUTOSPAN_TEST_HAVE_EXPORTERS)
#include "export/exporters.h"
#endif

using namespace autospan::internal;
using namespace std::chrono_literals;

namespace {
Options parse(const std::map<std::string, std::string>& env, std::vector<std::string>* warnings) {
  return parse_options(
      [&env](const char* name) -> const char* {
        auto it = env.find(name);
        return it == env.end() ? nullptr : it->second.c_str();
      },
      warnings);
}
} // namespace

TEST_CASE("durations", "[options]") {
  CHECK(parse_duration("0", 0) == 0ns);
  CHECK(parse_duration("250us", 0) == 250us);
  CHECK(parse_duration("2ms", 0) == 2ms);
  CHECK(parse_duration("1s", 0) == 1s);
  CHECK(parse_duration("1.5ms", 0) == 1500us);
  CHECK(parse_duration("100ns", 0) == 100ns);
  CHECK(parse_duration(" 3 ms ", 0) == 3ms);
  CHECK(parse_duration("2m", 0) == 120s);
  CHECK_FALSE(parse_duration("5", 0));        // a unit is required except for 0...
  CHECK(parse_duration("5", 1000000) == 5ms); // ...unless a bare number has a meaning
  CHECK_FALSE(parse_duration("ms", 0));
  CHECK_FALSE(parse_duration("-1ms", 0));
  CHECK_FALSE(parse_duration("1 parsec", 0));
  CHECK_FALSE(parse_duration("1.2.3s", 0));
  CHECK_FALSE(parse_duration("", 0));
}

TEST_CASE("booleans", "[options]") {
  CHECK(parse_bool("true") == true);
  CHECK(parse_bool("TRUE") == true);
  CHECK(parse_bool("1") == true);
  CHECK(parse_bool("false") == false);
  CHECK(parse_bool("0") == false);
  CHECK_FALSE(parse_bool("maybe"));
}

TEST_CASE("defaults follow the OpenTelemetry specification", "[options]") {
  std::vector<std::string> warnings;
  Options o = parse({}, &warnings);
  CHECK(warnings.empty());
  CHECK_FALSE(o.sdk_disabled);
  CHECK(o.traces_exporter == std::vector<std::string>{"otlp"});
  CHECK(o.otlp_protocol == "http/protobuf");
  CHECK(o.otlp_timeout == 10s);
  CHECK(o.bsp_schedule_delay == 5s);
  CHECK(o.bsp_export_timeout == 30s);
  CHECK(o.bsp_max_queue_size == 2048);
  CHECK(o.bsp_max_export_batch_size == 512);
  CHECK(o.span_attribute_count_limit == 128);
  CHECK_FALSE(o.is_set(OptionId::attribute_value_length_limit));
  CHECK(o.traces_sampler == "parentbased_always_on");
  CHECK(o.traces_sampler_arg == 1.0);
  CHECK(o.propagators == std::vector<std::string>{"tracecontext", "baggage"});
  CHECK(o.pipeline_id_attribute == "pipeline.id");
  CHECK(o.min_duration == 0ns);
  CHECK(o.min_duration_mode == "span");
  CHECK(o.log_level == "warn");
  CHECK_FALSE(o.summary);
  CHECK_FALSE(o.is_set(OptionId::otlp_traces_endpoint));
}

TEST_CASE("values from the environment", "[options]") {
  std::vector<std::string> warnings;
  Options o = parse({{"OTEL_SDK_DISABLED", "true"},
                     {"OTEL_TRACES_EXPORTER", "console, file,console"},
                     {"OTEL_BSP_SCHEDULE_DELAY", "250"},
                     {"OTEL_BSP_EXPORT_TIMEOUT", "2s"},
                     {"OTEL_BSP_MAX_QUEUE_SIZE", "100000"},
                     {"AUTOSPAN_MIN_DURATION", "250us"},
                     {"AUTOSPAN_MIN_DURATION_MODE", "LATCH"},
                     {"OTEL_TRACES_SAMPLER", "traceidratio"},
                     {"OTEL_TRACES_SAMPLER_ARG", "0.125"},
                     {"AUTOSPAN_SUMMARY", "1"},
                     {"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "64"}},
                    &warnings);
  CHECK(warnings.empty());
  CHECK(o.sdk_disabled);
  CHECK(o.traces_exporter == std::vector<std::string>{"console", "file"});
  CHECK(o.bsp_schedule_delay == 250ms); // a bare number is milliseconds (OpenTelemetry)
  CHECK(o.bsp_export_timeout == 2s);
  CHECK(o.bsp_max_queue_size == 100000);
  CHECK(o.min_duration == 250us);
  CHECK(o.min_duration_mode == "latch");
  CHECK(o.traces_sampler == "traceidratio");
  CHECK(o.traces_sampler_arg == 0.125);
  CHECK(o.summary);
  CHECK(o.is_set(OptionId::attribute_value_length_limit));
  CHECK(o.attribute_value_length_limit == 64);
}

TEST_CASE("a bad value gives one clear warning and the default", "[options]") {
  std::vector<std::string> warnings;
  Options o = parse({{"OTEL_BSP_MAX_QUEUE_SIZE", "lots"},
                     {"AUTOSPAN_MIN_DURATION", "5"},
                     {"OTEL_TRACES_EXPORTER", "zipkin"},
                     {"OTEL_TRACES_SAMPLER_ARG", "1.5"},
                     {"OTEL_SDK_DISABLED", "perhaps"}},
                    &warnings);
  REQUIRE(warnings.size() == 5);
  CHECK(o.bsp_max_queue_size == 2048);
  CHECK(o.min_duration == 0ns);
  CHECK(o.traces_exporter == std::vector<std::string>{"otlp"});
  CHECK(o.traces_sampler_arg == 1.0);
  CHECK_FALSE(o.sdk_disabled);
  CHECK(warnings[0] == "OTEL_SDK_DISABLED='perhaps' is invalid: expected true or false; using the "
                       "default 'false'");
  bool found_duration = false, found_exporter = false;
  for (const auto& w : warnings) {
    if (w.rfind("AUTOSPAN_MIN_DURATION='5'", 0) == 0) {
      found_duration = true;
      CHECK(w.find("250us") != std::string::npos);
    }
    if (w.rfind("OTEL_TRACES_EXPORTER='zipkin'", 0) == 0) {
      found_exporter = true;
      CHECK(w.find("otlp, console, file, none") != std::string::npos);
    }
  }
  CHECK(found_duration);
  CHECK(found_exporter);
}

TEST_CASE("an empty value means unset", "[options]") {
  std::vector<std::string> warnings;
  Options o = parse({{"OTEL_BSP_MAX_QUEUE_SIZE", ""}, {"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", " "}},
                    &warnings);
  CHECK(warnings.empty());
  CHECK(o.bsp_max_queue_size == 2048);
  CHECK_FALSE(o.is_set(OptionId::otlp_traces_timeout));
}

TEST_CASE("secret values never appear in warnings", "[options]") {
  std::vector<std::string> warnings;
  // Headers are free text; force a warning through another option and check none carries it.
  Options o = parse({{"OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer s3cr3t"},
                     {"OTEL_BSP_MAX_QUEUE_SIZE", "x"}},
                    &warnings);
  CHECK(o.otlp_headers == "authorization=Bearer s3cr3t");
  for (const auto& w : warnings)
    CHECK(w.find("s3cr3t") == std::string::npos);
}

TEST_CASE("key=value lists (resource attributes, headers)", "[options]") {
  std::size_t bad = 0;
  auto kv = parse_key_value_list(" a=1, b = two%20words ,broken,=x, c=%3D ", &bad);
  REQUIRE(kv.size() == 3);
  CHECK(kv[0] == std::make_pair(std::string("a"), std::string("1")));
  CHECK(kv[1] == std::make_pair(std::string("b"), std::string("two words")));
  CHECK(kv[2] == std::make_pair(std::string("c"), std::string("=")));
  CHECK(bad == 2);
}

TEST_CASE("the docs table lists every option", "[options]") {
  std::string table = options_markdown_table();
  for (std::size_t i = 0; i < kOptionCount; ++i)
    CHECK(table.find(std::string("`") + option_table()[i].env + "`") != std::string::npos);
  CHECK(table.find("`AUTOSPAN_PIPELINE_ID`") != std::string::npos);
}

TEST_CASE("resource from the environment", "[options][resource]") {
  Options o = parse({{"OTEL_SERVICE_NAME", "checkout"},
                     {"OTEL_RESOURCE_ATTRIBUTES",
                      "service.name=ignored,deployment.environment=prod,telemetry.sdk.name=x"}},
                    nullptr);
  Resource r = build_resource(o);
  auto get = [&](const std::string& k) {
    for (const auto& a : r.attributes)
      if (a.key == k)
        return std::get<std::string>(a.value);
    return std::string("<missing>");
  };
  CHECK(get("service.name") == "checkout"); // OTEL_SERVICE_NAME wins
  CHECK(get("deployment.environment") == "prod");
  CHECK(get("telemetry.sdk.name") == "autospan"); // not overridable
  Options o2 = parse({{"OTEL_RESOURCE_ATTRIBUTES", "service.name=from-attrs"}}, nullptr);
  Resource r2 = build_resource(o2);
  CHECK(std::get<std::string>(r2.attributes[0].value) == "from-attrs");
}

TEST_CASE("the file exporter's default path names the process", "[options]") {
  Options o = parse({}, nullptr);
  CHECK(file_exporter_path(o) == "autospan-" + std::to_string(getpid()) + ".jsonl");
  Options o2 = parse({{"AUTOSPAN_FILE", "/tmp/x.jsonl"}}, nullptr);
  CHECK(file_exporter_path(o2) == "/tmp/x.jsonl");
}

#if defined(AUTOSPAN_TEST_HAVE_EXPORTERS)
TEST_CASE("OTLP endpoint and options mapping", "[options][otlp]") {
  SECTION("defaults") {
    OtlpOptions x = otlp_options_from(parse({}, nullptr));
    CHECK(x.endpoint == "http://localhost:4318/v1/traces");
    CHECK(x.protocol == OtlpProtocol::HttpProtobuf);
    CHECK(x.timeout == std::chrono::milliseconds(10000));
    CHECK(x.compression == OtlpCompression::None);
  }
  SECTION("the generic endpoint gets /v1/traces appended for HTTP") {
    CHECK(otlp_options_from(parse({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"}}, nullptr))
              .endpoint == "http://c:4318/v1/traces");
    CHECK(
        otlp_options_from(parse({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318/base/"}}, nullptr))
            .endpoint == "http://c:4318/base/v1/traces");
  }
  SECTION("the signal-specific endpoint is used as is and wins") {
    auto x = otlp_options_from(parse({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:1"},
                                      {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://b:2/custom"}},
                                     nullptr));
    CHECK(x.endpoint == "http://b:2/custom");
  }
  SECTION("grpc") {
    CHECK(otlp_options_from(parse({{"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"}}, nullptr)).endpoint ==
          "http://localhost:4317");
    auto x = otlp_options_from(parse(
        {{"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"}, {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"}},
        nullptr));
    CHECK(x.endpoint == "http://c:4317");
    CHECK(x.protocol == OtlpProtocol::Grpc);
  }
  SECTION("traces-specific settings override generic ones") {
    auto x = otlp_options_from(parse({{"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"},
                                      {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"},
                                      {"OTEL_EXPORTER_OTLP_HEADERS", "a=1,b=2"},
                                      {"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "b=3,c=%204"},
                                      {"OTEL_EXPORTER_OTLP_TIMEOUT", "500"},
                                      {"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "2s"},
                                      {"OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"},
                                      {"OTEL_EXPORTER_OTLP_CERTIFICATE", "/ca.pem"},
                                      {"OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", "/k.pem"},
                                      {"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "/c.pem"}},
                                     nullptr));
    CHECK(x.protocol == OtlpProtocol::HttpJson);
    REQUIRE(x.headers.size() == 3);
    CHECK(x.headers[1].second == "3");
    CHECK(x.headers[2].second == " 4");
    CHECK(x.timeout == std::chrono::milliseconds(2000));
    CHECK(x.compression == OtlpCompression::Gzip);
    CHECK(x.certificate_file == "/ca.pem");
    CHECK(x.client_key_file == "/k.pem");
    CHECK(x.client_certificate_file == "/c.pem");
  }
}
#endif
