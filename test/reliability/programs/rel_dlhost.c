/* An uninstrumented host that does not link libautospan: the instrumented module it dlopen()s
 * brings the runtime in (test reliability.dlopen). Instrumented code reads the runtime's
 * initial-exec TLS gate, so the runtime's TLS must find room in the static TLS block at dlopen
 * time, and the module's TLS relocation must resolve against it.
 *
 *   rel_dlhost MODULE CYCLES   prints "run N -> RESULT" per cycle, then "unloaded CYCLES" */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: rel_dlhost MODULE CYCLES\n");
    return 2;
  }
  int cycles = atoi(argv[2]);
  for (int i = 0; i < cycles; ++i) {
    void* module = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (module == NULL) {
      fprintf(stderr, "dlopen: %s\n", dlerror());
      return 1;
    }
    int (*run)(int) = (int (*)(int))dlsym(module, "rel_module_run");
    if (run == NULL) {
      fprintf(stderr, "dlsym: %s\n", dlerror());
      return 1;
    }
    printf("run %d -> %d\n", i, run(i));
    if (dlclose(module) != 0) {
      fprintf(stderr, "dlclose: %s\n", dlerror());
      return 1;
    }
  }
  printf("unloaded %d\n", cycles);
  return 0;
}
