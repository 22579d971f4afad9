#!/usr/bin/env bash
# ctest docs.recipes: docs/recipes.md as far as it can be checked on a machine without the
# backends (none of Jaeger, Tempo, the OpenTelemetry Collector or Gentrace is packaged for Debian
# 12 or npm, and the network reaches only those registries):
#   - each recipe's command runs as written, the backend's host:port (Gentrace: its URL, over
#     plain HTTP) replaced by the project's OTLP receiver, and what arrives is what that backend
#     needs: path, encoding, compression, headers, resource, pipeline attribute on the root only;
#   - the backend-side YAML parses and has the keys the backend reads, wired together, on the
#     port the recipe sends to.
# (Every variable the recipes set is one the runtime reads: docs.check checks that on all pages.)
#
#   recipes.sh ROOT BUILD PREFIX WORK SHOP   (SHOP: the consumer test's ./shop, plugin mode)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
SHOP="$5"
cd "$WORK"
ln -s "$SHOP" shop

start_receiver
R="http://$RECEIVER_HOSTPORT"
# check RECIPE: what the receiver got for the recipe just run.
check() {
  receiver_get /requests >"$WORK/$1.requests.json"
  receiver_get /spans >"$WORK/$1.spans.json"
  receiver_get /reset -X POST >/dev/null
  python3 - "$1" "$WORK/$1.requests.json" "$WORK/$1.spans.json" <<'EOF'
import json, sys
recipe, requests, spans = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
assert requests and spans, f"{recipe}: nothing arrived"
names = {s["name"] for s in spans}
assert {"consumer.main", "shop::checkout", "shop::price"} <= names, names
for r in requests:
    assert r["path"] == "/v1/traces", r["path"]
    assert r["encoding"] == ("json" if recipe == "gentrace" else "protobuf"), r["encoding"]
for s in spans:
    res = s["resource"]["attributes"]
    assert res["service.name"] == "shop", res
    assert res["telemetry.sdk.name"] == "autospan", res
if recipe == "tempo":
    for s in spans:
        assert s["resource"]["attributes"]["deployment.environment.name"] == "staging"
        assert s["resource"]["attributes"]["service.version"] == "1.4.2"
if recipe == "collector":
    assert all((r.get("contentEncoding") or "") == "gzip" for r in requests), requests
if recipe == "gentrace":
    for r in requests:
        h = {k.lower(): v for k, v in r["headers"].items()}
        assert h.get("authorization") == "Bearer docs-test-key", h.get("authorization")
    roots = [s for s in spans if not s["parentSpanId"]]
    assert len(roots) == 1, roots
    pid = "3f1c2a9e-5b7d-4c1e-9a0f-2d6b8e4c7a11"
    assert roots[0]["attributes"].get("gentrace.pipeline_id") == pid, roots[0]["attributes"]
    others = [s["name"] for s in spans if s is not roots[0] and "gentrace.pipeline_id" in s["attributes"]]
    assert not others, f"pipeline id on non-root spans: {others}"
    assert all("pipeline.id" not in s["attributes"] for s in spans)
print(f"{recipe}: {len(spans)} spans in {len(requests)} request(s), as the backend needs them")
EOF
}

run_block recipe.jaeger "http://jaeger:4318=>$R"
check jaeger
run_block recipe.tempo "http://tempo:4318=>$R"
check tempo
run_block recipe.collector "http://collector:4318=>$R"
check collector
GENTRACE_API_KEY=docs-test-key run_block recipe.gentrace "https://gentrace.ai/api/otel/v1/traces=>$R/v1/traces"
check gentrace
grep -q docs-test-key "$WORK/recipe.gentrace.out" && fail "recipe.gentrace: the API key appears in autospan's output"
stop_receiver

# The backend-side configuration files.
doc_code --after recipe.tempo --before --lang yaml >tempo.yaml
doc_code --after recipe.collector --before --lang yaml >collector.yaml
python3 - tempo.yaml collector.yaml <<'EOF'
import sys
import yaml

def port(endpoint):
    host, _, p = endpoint.rpartition(":")
    assert host and p == "4318", f"{endpoint}: the recipes send OTLP/HTTP to port 4318"
    return p

tempo = yaml.safe_load(open(sys.argv[1]))
port(tempo["distributor"]["receivers"]["otlp"]["protocols"]["http"]["endpoint"])
assert set(tempo) == {"distributor"}, f"tempo.yaml: unexpected sections {set(tempo)}"

col = yaml.safe_load(open(sys.argv[2]))
port(col["receivers"]["otlp"]["protocols"]["http"]["endpoint"])
pipeline = col["service"]["pipelines"]["traces"]
for kind in ("receivers", "processors", "exporters"):
    for name in pipeline.get(kind, []):
        assert name in (col.get(kind) or {}), f"collector.yaml: pipeline uses undefined {kind[:-1]} {name}"
assert pipeline["receivers"] == ["otlp"] and pipeline["exporters"], pipeline
# `debug` replaced `logging` (removed in collector v0.111); verbosity is one of its levels.
assert col["exporters"]["debug"]["verbosity"] in ("basic", "normal", "detailed")
print("tempo.yaml and collector.yaml: parsed, receivers on :4318, the pipeline is wired")
EOF

all_ran recipe.
