#define BOOST_TEST_MODULE runrelay unit tests
#include <boost/test/unit_test.hpp>
