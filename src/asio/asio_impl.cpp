// The one translation unit that holds Boost.Asio's implementation.
#include <boost/asio/impl/src.hpp>
