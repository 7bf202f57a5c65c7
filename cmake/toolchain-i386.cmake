# Builds ctabi for i386 (x86-32 Linux) on an x86-64 Debian host with the
# multilib compilers (g++-multilib) and Debian's :i386 library packages.
#   cmake -S . -B build-i386 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-i386.cmake
# tools/bootstrap installs the packages and an i386 asmjit in .deps/asmjit-i386.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR i686)
set(CMAKE_C_FLAGS_INIT "-m32")
set(CMAKE_CXX_FLAGS_INIT "-m32")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-m32")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-m32")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "-m32")
# Debian's multiarch directory for i386 libraries and their CMake packages.
set(CMAKE_LIBRARY_ARCHITECTURE i386-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_SYSTEM_IGNORE_PATH /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu)
set(CTABI_ASMJIT_SUBDIR asmjit-i386 CACHE STRING "tools/bootstrap's asmjit under CTABI_DEPS")
# pkg-config (libffi, for the benchmark) must read the i386 .pc files only,
# not the host's x86-64 ones.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/i386-linux-gnu/pkgconfig:/usr/share/pkgconfig")
