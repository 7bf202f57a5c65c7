// Callbacks (reverse trampolines): a function pointer of any supported
// convention and signature that C code can call, which delivers the call to a
// native handler. ctabi's replacement for libffi closures.
//
//   // A typed C++ callable (captures allowed):
//   int calls = 0;
//   auto cmp = ctabi::make_callback<int(const void*, const void*)>(
//       [&](const void* a, const void* b) { ++calls; return *(const int*)a - *(const int*)b; });
//   qsort(v, n, sizeof(int), cmp->as<int(const void*, const void*)>());
//
//   // A generic handler for a signature known only at run time:
//   auto cb = ctabi::make_callback("win64 f64(i32, {f64, f64})", &handler, &state);
//
// A trampoline lives until its Callback is destroyed (or reset()); it must not
// be called after that, nor while being destroyed. Creating and destroying
// callbacks is thread-safe; the code for a signature is compiled once and
// shared, so a callback costs a 16-byte stub and a 32-byte slot.
//
// Exceptions never unwind through the foreign caller: a handler that throws
// is stopped at the trampoline's edge, the exception handed to the callback
// exception hook (see set_callback_exception_hook), and the caller receives a
// zero result (all result bytes zero; for a result returned through the
// caller's buffer, that buffer zeroed).
#pragma once

#include <array>
#include <cstring>
#include <exception>
#include <memory>
#include <string_view>
#include <type_traits>
#include <utility>

#include "ctabi/function.h"
#include "ctabi/invoker.h"

namespace ctabi {

// A generic handler. `args[i]` points at argument i's value, laid out as its
// C type (aggregates included, whatever registers or stack slots carried
// it); `result` points at a buffer of the result type's size and alignment
// (an aggregate the caller returns through a pointer: the caller's own
// buffer), which the handler fills; for a void result it is not null but
// has no bytes. Argument memory belongs to the call: do not keep pointers
// to it after returning.
using CallbackHandler = void (*)(void* user_data, void* result, void* const* args);

namespace detail {

// What a trampoline's slot points at: owned by the Callback.
struct CallbackState {
    virtual ~CallbackState() = default;
    const abi::Signature* signature = nullptr; // the cached code's, lives as long
    uint32_t result_size = 0;
};

// Zeroes the result and passes the exception in flight to the hook.
void report_callback_exception(const CallbackState& state, void* result) noexcept;

using SlotHandler = void (*)(void* data, void* result, void* const* args) noexcept;

} // namespace detail

class Callback;

// Creates a trampoline for `sig` whose calls reach `handler(state, result,
// args)`; or, when `passthrough` is given and the signature allows it (see
// jit::emit_trampoline_passthrough), `passthrough(args..., state)`, a
// function of sig's own convention. The building block of make_callback.
Result<Callback> make_callback_from_state(const abi::Signature& sig, detail::SlotHandler handler,
                                          const void* passthrough,
                                          std::unique_ptr<detail::CallbackState> state);

class Callback {
public:
    Callback() = default;
    Callback(Callback&& other) noexcept { swap(other); }
    Callback& operator=(Callback&& other) noexcept {
        Callback(std::move(other)).swap(*this);
        return *this;
    }
    ~Callback() { reset(); }

    // The foreign-convention function pointer (null when empty).
    void* address() const { return address_; }
    template <typename F>
    F* as() const {
        return reinterpret_cast<F*>(address_);
    }
    explicit operator bool() const { return address_ != nullptr; }

    // Non-empty callbacks only.
    const abi::Signature& signature() const;
    // True when calls go straight to a typed handler compiled in the
    // foreign convention (no argument array; see make_callback<F>).
    bool is_passthrough() const { return passthrough_; }
    // Classified anew from signature().
    abi::CallLayout layout() const;
    // The shared trampoline body the stub at address() jumps to, and its
    // size in bytes (for disassembly). Non-empty callbacks only.
    const void* body_code() const;
    size_t body_size() const;

    // Frees the trampoline now: its address must not be called any more.
    void reset() noexcept;

    void swap(Callback& other) noexcept {
        std::swap(body_, other.body_);
        std::swap(state_, other.state_);
        std::swap(address_, other.address_);
        std::swap(stub_id_, other.stub_id_);
        std::swap(passthrough_, other.passthrough_);
    }

private:
    friend Result<Callback> make_callback_from_state(const abi::Signature&, detail::SlotHandler,
                                                     const void*,
                                                     std::unique_ptr<detail::CallbackState>);
    std::shared_ptr<const detail::CodeEntry> body_; // the signature's shared code
    std::unique_ptr<detail::CallbackState> state_;
    void* address_ = nullptr; // the stub
    uint32_t stub_id_ = 0;
    bool passthrough_ = false;
};

// A callback for `sig` delivering every call to `handler(user_data, result, args)`.
Result<Callback> make_callback(const abi::Signature& sig, CallbackHandler handler, void* user_data);
Result<Callback> make_callback(std::string_view signature_text, CallbackHandler handler,
                               void* user_data);

// Callbacks alive now, and stubs made so far (made stubs are reused once
// freed and never unmapped, so `capacity` is the high-water mark).
struct CallbackStats {
    size_t live = 0;
    size_t capacity = 0;
};
CallbackStats callback_stats();

// What the hook receives: the signature of the callback whose handler threw,
// and the exception. The default hook prints one line to stderr.
using CallbackExceptionHook = void (*)(const abi::Signature& sig, std::exception_ptr error);
// Installs `hook` (nullptr: the default) and returns the previous one. The
// hook runs on the thread of the call and must not throw.
CallbackExceptionHook set_callback_exception_hook(CallbackExceptionHook hook) noexcept;

namespace detail {

template <typename Fn>
struct CallableState final : CallbackState {
    explicit CallableState(Fn f) : fn(std::move(f)) {}
    Fn fn;
};

template <typename T>
T read_argument(const void* p) {
    static_assert(std::is_trivially_copyable_v<T>, "callback arguments must be C types");
    T value;
    std::memcpy(static_cast<void*>(&value), p, sizeof(T));
    return value;
}

template <typename Fn, typename R, typename... A, size_t... I>
void call_typed(Fn& fn, void* result, void* const* args, std::index_sequence<I...>) {
    if constexpr (std::is_void_v<R>) {
        fn(read_argument<A>(args[I])...);
    } else {
        static_assert(std::is_trivially_copyable_v<R>, "callback results must be C types");
        R r = fn(read_argument<A>(args[I])...);
        std::memcpy(result, static_cast<const void*>(&r), sizeof(R));
    }
}

// The pass-through entries: the arguments as the foreign caller passed them,
// then the state, in the foreign convention itself (System V or Win64), so
// that the trampoline only appends the state pointer. A throwing callable
// gives the caller a value-initialised (zero) result.
template <typename Fn, typename R, typename... A>
R call_passthrough(void* data, A... args) noexcept {
    auto& state = *static_cast<CallableState<Fn>*>(data);
    try {
        if constexpr (std::is_void_v<R>)
            state.fn(args...); // a value the callable returns is dropped, as C would
        else
            return state.fn(args...);
    } catch (...) {
        report_callback_exception(state, nullptr);
        if constexpr (!std::is_void_v<R>) return R{};
    }
}
#if defined(__x86_64__)
// Pass-through handlers exist for the x86-64 conventions only: an i386
// callback always goes through the general trampoline body.
template <typename Fn, typename R, typename... A>
R passthrough_sysv64(A... args, void* data) noexcept {
    return call_passthrough<Fn, R, A...>(data, args...);
}
template <typename Fn, typename R, typename... A>
__attribute__((ms_abi)) R passthrough_win64(A... args, void* data) noexcept {
    return call_passthrough<Fn, R, A...>(data, args...);
}
#endif

template <typename Fn, typename R, typename... A>
void typed_handler(void* data, void* result, void* const* args) noexcept {
    auto& state = *static_cast<CallableState<Fn>*>(data);
    try {
        call_typed<Fn, R, A...>(state.fn, result, args, std::index_sequence_for<A...>{});
    } catch (...) {
        report_callback_exception(state, result);
    }
}

inline constexpr size_t kConventions = size_t(abi::CallConv::thiscall) + 1;

template <typename F>
struct CallbackType;
template <typename R, typename... A>
struct CallbackType<R(A...)> {
    template <typename Fn>
    static Result<Callback> make(Fn&& fn, abi::CallConv conv) {
        using Stored = std::decay_t<Fn>;
        static_assert(std::is_invocable_r_v<R, Stored&, A...>,
                      "the callable cannot be called with the callback's argument types");
        static_assert((std::is_trivially_copyable_v<A> && ...),
                      "callback arguments must be C types");
        // The signature, made once per convention.
        static const auto signatures = [] {
            std::array<abi::Signature, kConventions> all;
            for (size_t c = 0; c < kConventions; ++c)
                all[c] = signature_of(static_cast<R (*)(A...)>(nullptr), abi::CallConv(c));
            return all;
        }();
        if (size_t(conv) >= kConventions) return make_error("make_callback: unknown convention");
        const void* passthrough = nullptr;
#if defined(__x86_64__)
        if (conv == abi::CallConv::sysv64)
            passthrough = reinterpret_cast<const void*>(&passthrough_sysv64<Stored, R, A...>);
        else if (conv == abi::CallConv::win64)
            passthrough = reinterpret_cast<const void*>(&passthrough_win64<Stored, R, A...>);
#endif
        auto state = std::make_unique<CallableState<Stored>>(Stored(std::forward<Fn>(fn)));
        return make_callback_from_state(signatures[size_t(conv)], &typed_handler<Stored, R, A...>,
                                        passthrough, std::move(state));
    }
};

} // namespace detail

// A callback of C type F (for example `double(int, const char*)`) under
// `conv`, delivering calls to `fn`: a lambda (captures allowed), a
// std::function, or any callable taking F's argument types. Aggregates need
// a c_type specialisation (see function.h).
template <typename F, typename Fn>
Result<Callback> make_callback(Fn&& fn, abi::CallConv conv = abi::host_conv()) {
    return detail::CallbackType<F>::make(std::forward<Fn>(fn), conv);
}

// A member function called on `object` (which must outlive the callback).
template <typename F, typename C, typename M>
requires std::is_member_function_pointer_v<M> Result<Callback>
make_callback(C* object, M method, abi::CallConv conv = abi::host_conv()) {
    return make_callback<F>(
        [object, method](auto&&... args) -> decltype(auto) {
            return (object->*method)(std::forward<decltype(args)>(args)...);
        },
        conv);
}

} // namespace ctabi
