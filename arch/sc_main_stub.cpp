// libsystemc's own main() refers to sc_main. xbarsim starts the simulation from its own
// main() (apps/) or from GoogleTest's, so this weak definition satisfies the link and is never
// called; a program that defines sc_main itself overrides it.
#include <cstdio>

extern "C" __attribute__((weak)) int sc_main(int, char**) {
  std::fputs("xbarsim: sc_main is not used; run the xbarsim program\n", stderr);
  return 1;
}
