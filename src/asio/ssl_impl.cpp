// The one translation unit that holds Boost.Asio SSL's implementation.
#include <boost/asio/ssl/impl/src.hpp>
