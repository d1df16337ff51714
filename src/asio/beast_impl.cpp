// The one translation unit that holds Boost.Beast's implementation.
#include <boost/beast/src.hpp>
