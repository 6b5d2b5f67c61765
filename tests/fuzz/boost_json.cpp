// Boost.JSON compiled from source into the fuzz targets (instead of linking Debian's
// g++-built libboost_json): one clang toolchain and one set of sanitizer and coverage
// flags for every byte the decoders run, so the fuzzer also gets coverage feedback from
// the JSON parser itself.
#include <boost/json/src.hpp>
