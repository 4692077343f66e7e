// libyaml's C API, from the system (Debian libyaml-dev, Homebrew libyaml; pkg-config yaml-0.1).
// The spec loader reads its event stream (Sources/SpecHarness/Spec/YAMLValue+Parsing.swift).
#include <yaml.h>
