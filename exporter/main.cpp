// migration_exporter entry point.
#include <iostream>

#include "build_info.h"

int main() {
  std::cout << "migration_exporter " << mexp::build::kVersion << " (" << mexp::build::kRevision
            << ")\n";
  return 0;
}
