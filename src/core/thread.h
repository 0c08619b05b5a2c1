// Names for the process's threads, so that top, perf and gdb tell the writer from the workers.
#pragma once

#include <string_view>

namespace kiln {

// Names the calling thread (the kernel keeps the first 15 bytes).
void SetThreadName(std::string_view name);

}  // namespace kiln
