// The Asio/Beast precompiled header for the network code.
#pragma once
#include "pch_base.h"

#include <utility>  // g++ 12 needs it before Asio's awaitable.
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
