#include "opencv_adapter.hpp"
#include "sohoa/imaging/cleanup.hpp"

namespace sohoa::imaging {

void run_operations_on_calling_thread() {
  cv::setNumThreads(0);
}

}  // namespace sohoa::imaging
