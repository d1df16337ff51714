// The Outpost module and device SDK: one include for all of it.
#pragma once
#include "outpost/client/client_error.h"
#include "outpost/client/client_options.h"
#include "outpost/client/device_client.h"
#include "outpost/client/message.h"
#include "outpost/client/methods.h"
#include "outpost/client/module_client.h"
