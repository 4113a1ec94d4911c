#pragma once
// Where the dated configuration (page classes, holidays…) is found when the
// command line names none.

#include <string>

namespace sohoa::app {

// First existing folder of: $SOHOA_CONFIG_DIR/<name>, <exe>/../share/sohoa/config/<name>
// (installed), <exe>/../config/<name>, the source tree's config/<name>. Empty when none.
std::string find_config_dir(const std::string& name);

}  // namespace sohoa::app
