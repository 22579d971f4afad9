// The reference points every variant measures in its own process: the same tiny function and
// loop as benchapp, never instrumented, plain and with two TSC reads (the clock floor).
#pragma once

namespace benchfloor {

int run_plain(int n);
int run_two_rdtsc(int n);

} // namespace benchfloor
