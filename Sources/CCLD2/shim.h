// CLD2 (Debian's libcld2-dev, model compiled in) has a C++ API only: CLD2Shim's .cpp includes
// <cld2/public/compact_lang_det.h> itself and links the libraries, and Swift reaches CLD2 only
// through CLD2Shim's C header. This module names the Debian package that provides CLD2.
#include <stdint.h>
