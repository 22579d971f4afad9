#include "cli.h"

int main(int argc, char** argv) {
  return autospan::cli::run(argc, argv);
}
