// What libOutpostClient.so exports: the SDK's classes and functions, nothing else (it is
// built with hidden visibility so its internals never clash with a program's).
#pragma once
#define OUTPOST_CLIENT_API __attribute__((visibility("default")))
