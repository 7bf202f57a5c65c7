// Callbacks: a trampoline stub per callback, the signature's shared body
// from the code cache, and the state the handler is called with.
#include "ctabi/callback.h"

#include <atomic>
#include <cstdio>
#include <cstring>

#include "code_cache.h"
#include "trampoline_stubs.h"

namespace ctabi {
namespace detail {
namespace {

void default_exception_hook(const abi::Signature& sig, std::exception_ptr error) {
    std::string what = "an exception that is not a std::exception";
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        what = e.what();
    } catch (...) {
    }
    std::fprintf(
        stderr, "ctabi: the handler of a callback `%s` threw (%s); the caller gets a zero result\n",
        sig.to_string().c_str(), what.c_str());
}

std::atomic<CallbackExceptionHook> exception_hook{&default_exception_hook};

// A generic handler and its user data.
struct GenericState final : CallbackState {
    CallbackHandler handler = nullptr;
    void* user_data = nullptr;
};

void generic_handler(void* data, void* result, void* const* args) noexcept {
    auto& state = *static_cast<GenericState*>(data);
    try {
        state.handler(state.user_data, result, args);
    } catch (...) {
        report_callback_exception(state, result);
    }
}

} // namespace

void report_callback_exception(const CallbackState& state, void* result) noexcept {
    if (result && state.result_size) std::memset(result, 0, state.result_size);
    CallbackExceptionHook hook = exception_hook.load(std::memory_order_acquire);
    try {
        hook(*state.signature, std::current_exception());
    } catch (...) {
        // The hook must not throw; nothing may unwind into the foreign caller.
    }
}

} // namespace detail

CallbackExceptionHook set_callback_exception_hook(CallbackExceptionHook hook) noexcept {
    return detail::exception_hook.exchange(hook ? hook : &detail::default_exception_hook,
                                           std::memory_order_acq_rel);
}

Result<Callback> make_callback_from_state(const abi::Signature& sig, detail::SlotHandler handler,
                                          const void* passthrough,
                                          std::unique_ptr<detail::CallbackState> state) {
    std::shared_ptr<const detail::CodeEntry> body;
    if (passthrough) {
        if (auto direct = detail::cached_trampoline_passthrough(sig))
            body = std::move(*direct);
        else
            passthrough = nullptr; // this signature needs the general body
    }
    if (!body) {
        CTABI_TRY_ASSIGN(general, detail::cached_trampoline_body(sig));
        body = std::move(general);
    }
    state->signature = &detail::entry_signature(*body);
    state->result_size = sig.result.is_void() ? 0 : uint32_t(sig.result.size);
    auto target = passthrough ? reinterpret_cast<jit::TrampolineHandler>(passthrough) : handler;
    CTABI_TRY_ASSIGN(
        stub, jit::acquire_trampoline_stub(target, state.get(), detail::entry_code(*body),
                                           passthrough ? detail::entry_data_register(*body) : -1));
    Callback cb;
    cb.passthrough_ = passthrough != nullptr;
    cb.body_ = std::move(body);
    cb.state_ = std::move(state);
    cb.address_ = stub.entry;
    cb.stub_id_ = stub.id;
    return cb;
}

Result<Callback> make_callback(const abi::Signature& sig, CallbackHandler handler,
                               void* user_data) {
    if (!handler) return make_error("make_callback: the handler is null");
    auto state = std::make_unique<detail::GenericState>();
    state->handler = handler;
    state->user_data = user_data;
    return make_callback_from_state(sig, &detail::generic_handler, nullptr, std::move(state));
}

Result<Callback> make_callback(std::string_view text, CallbackHandler handler, void* user_data) {
    CTABI_TRY_ASSIGN(sig, abi::parse_signature(text));
    return make_callback(sig, handler, user_data);
}

CallbackStats callback_stats() {
    const jit::TrampolineStubStats s = jit::trampoline_stub_stats();
    return CallbackStats{s.live, s.capacity};
}

const abi::Signature& Callback::signature() const {
    return detail::entry_signature(*body_);
}

const void* Callback::body_code() const {
    return detail::entry_code(*body_);
}
size_t Callback::body_size() const {
    return detail::entry_code_size(*body_);
}

abi::CallLayout Callback::layout() const {
    return abi::classify(signature()).value();
}

void Callback::reset() noexcept {
    if (address_) jit::release_trampoline_stub(stub_id_);
    address_ = nullptr;
    state_.reset();
    body_.reset();
}

} // namespace ctabi
