# Every dependency comes from a Debian package (tools/install-deps.sh installs them).
find_package(PkgConfig REQUIRED)
pkg_check_modules(SYSTEMC REQUIRED IMPORTED_TARGET systemc)
if(NOT TARGET SystemC::systemc)
  add_library(SystemC::systemc ALIAS PkgConfig::SYSTEMC)
endif()
# SystemC checks that every user was compiled for the C++ standard the library was built with.
# Debian 12's libsystemc is built as C++17; our C++20 code declares that API level.
set(XBARSIM_SYSTEMC_CPLUSPLUS "201703L" CACHE STRING "C++ standard libsystemc was built with (SC_CPLUSPLUS)")
set_property(TARGET PkgConfig::SYSTEMC APPEND PROPERTY
             INTERFACE_COMPILE_DEFINITIONS SC_CPLUSPLUS=${XBARSIM_SYSTEMC_CPLUSPLUS})

find_package(Boost 1.74 REQUIRED COMPONENTS program_options)
find_package(fmt REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(Eigen3 3.3 REQUIRED NO_MODULE)
find_package(nlohmann_json 3.9 REQUIRED)
find_package(ZLIB REQUIRED)
find_package(Threads REQUIRED)
# network.onnx (workloads/onnx_import.cpp): Debian's libonnx-dev ships a CMake package whose
# onnx_proto target (the generated onnx-ml.pb.h classes) names protobuf::libprotobuf without
# finding it, so Protobuf (libprotobuf-dev, CMake's FindProtobuf) comes first.
find_package(Protobuf REQUIRED)
find_package(ONNX REQUIRED)
if(XBARSIM_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(XBARSIM_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()

# Libraries that self-register implementations (XBARSIM_REGISTER) must be linked whole, or the
# linker drops the registration objects nobody references by name. An executable links its top
# library with xbarsim_link_whole(target lib...); every project library in its link graph, direct
# or transitive, is then linked whole (LINK_LIBRARY_OVERRIDE avoids a feature conflict between
# the direct and the transitive occurrence).
function(xbarsim_link_whole target)
  target_link_libraries(${target} PRIVATE ${ARGN})
  foreach(lib xbarsim_core xbarsim_devices xbarsim_periphery xbarsim_arch xbarsim_workloads)
    set_property(TARGET ${target} PROPERTY LINK_LIBRARY_OVERRIDE_${lib} WHOLE_ARCHIVE)
  endforeach()
endfunction()

# OpenMP (GCC's libgomp; clang's libomp when installed): the column-parallel loops of a tile
# operation (core/parallel.hpp) and Eigen's matrix products use every core. Optional: without
# it the same loops run serially and give the same results (docs/architecture.md, "Threads").
option(XBARSIM_OPENMP "Run a tile operation's column loops and matrix products on every core (OpenMP)" ON)
if(XBARSIM_OPENMP)
  find_package(OpenMP COMPONENTS CXX)
endif()
