/* ctabi's libffi-compatible API: the target part (x86-64 and i386), as
 * libffi 3.4's ffitarget.h defines it, so that code compiled against either
 * header gets the same types, values and structure layouts. Include ffi.h. */
#ifndef LIBFFI_TARGET_H
#define LIBFFI_TARGET_H

#ifndef LIBFFI_H
#error "Please do not include ffitarget.h directly into your source.  Use ffi.h instead."
#endif

#define X86_ANY
#if defined(__x86_64__)
#ifndef X86_64
#define X86_64
#endif
#elif defined(__i386__)
#ifndef X86
#define X86
#endif
#else
#error "ctabi's ffi.h supports x86-64 and i386 only"
#endif

#define FFI_TARGET_SPECIFIC_STACK_SPACE_ALLOCATION
#define FFI_TARGET_HAS_COMPLEX_TYPE

#ifndef LIBFFI_ASM
#if defined(__x86_64__) && defined(__ILP32__)
#define FFI_SIZEOF_ARG 8
#define FFI_SIZEOF_JAVA_RAW 4
typedef unsigned long long ffi_arg;
typedef long long ffi_sarg;
#else
typedef unsigned long ffi_arg;
typedef signed long ffi_sarg;
#endif

/* libffi 3.4's values, which binaries compiled against its header hold. */
typedef enum ffi_abi {
#if defined(__x86_64__)
    FFI_FIRST_ABI = 1,
    FFI_UNIX64, /* System V AMD64 psABI */
    FFI_WIN64,  /* Microsoft x64 (ms_abi) */
    FFI_EFI64 = FFI_WIN64,
    FFI_GNUW64, /* Microsoft x64 with GNU's 16-byte long double */
    FFI_LAST_ABI,
    FFI_DEFAULT_ABI = FFI_UNIX64
#else
    FFI_FIRST_ABI = 0,
    FFI_SYSV = 1, /* cdecl */
    FFI_THISCALL = 3,
    FFI_FASTCALL = 4,
    FFI_STDCALL = 5,
    FFI_PASCAL = 6,   /* not supported by ctabi: FFI_BAD_ABI */
    FFI_REGISTER = 7, /* not supported by ctabi: FFI_BAD_ABI */
    FFI_MS_CDECL = 8,
    FFI_LAST_ABI,
    FFI_DEFAULT_ABI = FFI_SYSV
#endif
} ffi_abi;
#endif /* LIBFFI_ASM */

#define FFI_CLOSURES 1
#define FFI_GO_CLOSURES 1

#define FFI_TYPE_SMALL_STRUCT_1B (FFI_TYPE_LAST + 1)
#define FFI_TYPE_SMALL_STRUCT_2B (FFI_TYPE_LAST + 2)
#define FFI_TYPE_SMALL_STRUCT_4B (FFI_TYPE_LAST + 3)
#define FFI_TYPE_MS_STRUCT (FFI_TYPE_LAST + 4)

#if defined(__x86_64__)
#define FFI_TRAMPOLINE_SIZE 32
#define FFI_NATIVE_RAW_API 0
#else
#define FFI_TRAMPOLINE_SIZE 16
#define FFI_NATIVE_RAW_API 1
#endif

#endif /* LIBFFI_TARGET_H */
