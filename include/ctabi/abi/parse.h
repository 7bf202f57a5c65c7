// The signature text syntax, used by tests, tools and error messages:
//
//   signature := [platform] [conv] type '(' [params] ')'
//   params    := type {',' type} [',' varargs] | varargs
//   varargs   := '...' {',' type}     the variadic arguments of one call
//   platform  := 'linux' | 'windows'             (default: the host's)
//   conv      := 'sysv64' | 'win64' | 'cdecl' | 'stdcall' | 'fastcall' | 'thiscall'
//   type      := 'void' | 'bool' | 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32'
//              | 'i64' | 'u64' | 'f32' | 'f64' | 'f80' | 'ptr'
//              | '{' [member {',' member}] [layout] '}'            struct
//              | 'union' '{' [member {',' member}] [layout] '}'   union
//              | '[' count 'x' type ']'                           array
//   member    := type ['@' offset]
//   layout    := '|' 'size' N 'align' N        explicit size and alignment
//
// Examples: `win64 f64(i32, f64, {i8, f32, [3 x i16]})`,
// `sysv64 i32(ptr, ..., f64, i32)` (printf with a double and an int). A struct whose members
// carry `@offset` or that has a `| size N align N` part has an explicit
// (packed) layout; otherwise it is laid out as C would.
#pragma once

#include <string_view>

#include "ctabi/abi/signature.h"

namespace ctabi::abi {

Result<Signature> parse_signature(std::string_view text);
Result<Type> parse_type(std::string_view text, const DataModel& model = DataModel::x86_64());

} // namespace ctabi::abi
