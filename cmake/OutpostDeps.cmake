# Every dependency is a Debian bookworm package (scripts/install-deps installs them).
set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(CURL REQUIRED)
find_package(GTest REQUIRED)
find_package(PahoMqttCpp REQUIRED)
find_package(ZLIB REQUIRED)
# Qpid Proton C++ (AMQP) ships a pkg-config file that names modules Debian does not
# install; the AMQP library will import it by hand when it lands.
