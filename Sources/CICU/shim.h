// Not imported by Swift: only the ICUShim C target includes ICU, see Package.swift.
#include <unicode/utypes.h>
