// Scripted responses for fault injection. Each export request consumes the next scripted
// response; when the script is empty the default response applies (normally a plain 200).
//
// A response spec is a plain object:
//   status         HTTP status (default 200)
//   retryAfter     value of the Retry-After header (seconds, or an HTTP date)
//   delayMs        wait this long before answering
//   blackhole      accept the request and never answer (the connection stays open until the
//                  receiver stops listening or closes)
//   reset          drop the connection without answering
//   partialSuccess { rejectedSpans, errorMessage } in a 200 response
//   message        error message in the google.rpc.Status body of a non-2xx response
//   times          how many requests this spec answers (default 1)
//   store          keep the request's spans (default: only for 2xx answers)

const KEYWORDS = {
  ok: { status: 200 },
  blackhole: { blackhole: true },
  reset: { reset: true },
};

// Command-line shorthand: "503", "429:retry-after=2", "200:delay=300", "blackhole",
// "reset:times=2", "ok:partial=3:message=too%20big", or a JSON object.
export function parseFaultSpec(text) {
  const trimmed = String(text).trim();
  if (trimmed.startsWith('{')) return normaliseSpec(JSON.parse(trimmed));
  const [head, ...options] = trimmed.split(':');
  let spec;
  if (/^\d{3}$/.test(head)) spec = { status: Number(head) };
  else if (head in KEYWORDS) spec = { ...KEYWORDS[head] };
  else throw new Error(`unknown fault "${head}" (expected a status code, ok, blackhole or reset)`);
  for (const option of options) {
    const eq = option.indexOf('=');
    const key = eq < 0 ? option : option.slice(0, eq);
    const value = eq < 0 ? '' : decodeURIComponent(option.slice(eq + 1));
    switch (key) {
      case 'retry-after': spec.retryAfter = value; break;
      case 'delay': spec.delayMs = Number(value); break;
      case 'times': spec.times = Number(value); break;
      case 'partial': spec.partialSuccess = { rejectedSpans: Number(value), errorMessage: spec.message ?? 'rejected by fault injection' }; break;
      case 'message': spec.message = value; if (spec.partialSuccess) spec.partialSuccess.errorMessage = value; break;
      case 'store': spec.store = value !== 'false' && value !== '0'; break;
      default: throw new Error(`unknown fault option "${key}" in "${text}"`);
    }
  }
  return normaliseSpec(spec);
}

export function normaliseSpec(spec) {
  const out = { status: 200, times: 1, ...spec };
  if (!Number.isInteger(out.status) || out.status < 100 || out.status > 599) {
    throw new Error(`fault status must be an HTTP status code, got ${JSON.stringify(spec.status)}`);
  }
  if (!Number.isInteger(out.times) || out.times < 1) throw new Error(`fault times must be >= 1, got ${spec.times}`);
  if (out.delayMs != null && !(out.delayMs >= 0)) throw new Error(`fault delayMs must be >= 0, got ${spec.delayMs}`);
  if (out.store == null) out.store = out.status >= 200 && out.status < 300 && !out.blackhole && !out.reset;
  return out;
}

export class FaultScript {
  constructor() {
    this.queue = [];
    this.fallback = normaliseSpec({});
  }

  push(...specs) {
    for (const s of specs) this.queue.push(normaliseSpec(s));
  }

  setDefault(spec) {
    this.fallback = normaliseSpec(spec ?? {});
  }

  clear() {
    this.queue = [];
    this.fallback = normaliseSpec({});
  }

  next() {
    const head = this.queue[0];
    if (!head) return this.fallback;
    if (--head.times <= 0) this.queue.shift();
    return head;
  }

  describe() {
    return { pending: this.queue.map((s) => ({ ...s })), default: { ...this.fallback } };
  }
}
