// Typed convenience for C++ callers: call a function pointer of any
// supported convention as if it were a plain C++ function.
//
//   auto f = ctabi::bind<double(int, double)>(ptr, ctabi::abi::CallConv::win64);
//   double r = (*f)(1, 2.5);
//
// Scalars map to C types by their C++ type; a struct type needs a c_type
// specialisation describing its layout.
#pragma once

#include <cstdint>
#include <type_traits>

#include "ctabi/abi/parse.h"
#include "ctabi/invoker.h"

namespace ctabi {

// The abi::Type of a C++ type. Specialise for structs and unions:
//   template <> struct ctabi::c_type<Point> {
//       static abi::Type get() { return *abi::parse_type("{f64, f64}"); }
//   };
template <typename T, typename = void>
struct c_type;

namespace detail {
// C++ types are this process's: their sizes and alignments are the host's
// data model (4-byte pointers and a 12-byte long double in a 32-bit build).
inline const abi::DataModel& host_model() {
    static const abi::DataModel model = abi::data_model(abi::host_conv(), abi::host_platform());
    return model;
}
inline abi::Type host_scalar(abi::Kind kind) {
    return abi::Type::scalar(kind, host_model());
}
template <typename T>
abi::Type integer_type() {
    using abi::Kind;
    if constexpr (std::is_same_v<T, bool>)
        return host_scalar(Kind::Bool);
    else if constexpr (sizeof(T) == 1)
        return host_scalar(std::is_signed_v<T> ? Kind::I8 : Kind::U8);
    else if constexpr (sizeof(T) == 2)
        return host_scalar(std::is_signed_v<T> ? Kind::I16 : Kind::U16);
    else if constexpr (sizeof(T) == 4)
        return host_scalar(std::is_signed_v<T> ? Kind::I32 : Kind::U32);
    else
        return host_scalar(std::is_signed_v<T> ? Kind::I64 : Kind::U64);
}
} // namespace detail

template <typename T>
struct c_type<T, std::enable_if_t<std::is_integral_v<T>>> {
    static abi::Type get() { return detail::integer_type<T>(); }
};
template <typename T>
struct c_type<T, std::enable_if_t<std::is_enum_v<T>>> {
    static abi::Type get() { return detail::integer_type<std::underlying_type_t<T>>(); }
};
template <typename T>
struct c_type<T, std::enable_if_t<std::is_pointer_v<T>>> {
    static abi::Type get() { return abi::Type::pointer(detail::host_model()); }
};
template <>
struct c_type<void> {
    static abi::Type get() { return abi::Type::void_type(); }
};
template <>
struct c_type<float> {
    static abi::Type get() { return detail::host_scalar(abi::Kind::F32); }
};
template <>
struct c_type<double> {
    static abi::Type get() { return detail::host_scalar(abi::Kind::F64); }
};
template <>
struct c_type<long double> {
    static abi::Type get() { return detail::host_scalar(abi::Kind::F80); }
};

// Values the canonical form passes by pointer (see abi::canonical_signature).
template <typename T>
inline constexpr bool passed_by_pointer_v =
    std::is_class_v<T> || std::is_union_v<T> || std::is_same_v<T, long double>;

template <typename T>
using canonical_param_t = std::conditional_t<passed_by_pointer_v<T>, const T*, T>;

template <typename F>
class Function;

template <typename R, typename... A>
class Function<R(A...)> {
public:
    explicit Function(Thunk thunk) : thunk_(std::move(thunk)) {}

    R operator()(A... args) const {
        if constexpr (passed_by_pointer_v<R>) {
            R result;
            thunk_.as<void(R*, canonical_param_t<A>...)>()(&result, canonical(args)...);
            return result;
        } else {
            return thunk_.as<R(canonical_param_t<A>...)>()(canonical(args)...);
        }
    }

    const Thunk& thunk() const { return thunk_; }

private:
    template <typename T>
    static canonical_param_t<T> canonical(const T& v) {
        if constexpr (passed_by_pointer_v<T>)
            return &v;
        else
            return v;
    }
    Thunk thunk_;
};

// The signature a C++ function type describes, under `conv`.
template <typename R, typename... A>
abi::Signature signature_of(R (*)(A...), abi::CallConv conv = abi::host_conv()) {
    abi::Signature sig;
    sig.conv = conv;
    sig.result = c_type<R>::get();
    (sig.args.push_back(c_type<A>::get()), ...);
    return sig;
}

// A callable for `target`, a function of type F under convention `conv`.
template <typename F>
Result<Function<F>> bind(const void* target, abi::CallConv conv = abi::host_conv()) {
    abi::Signature sig = signature_of(static_cast<F*>(nullptr), conv);
    CTABI_TRY_ASSIGN(thunk, make_thunk(sig, target));
    return Function<F>(std::move(thunk));
}

} // namespace ctabi
