// The public call API: invokers (the ffi_call replacement) and forward thunks,
// built once per signature (and target) and cached process-wide.
#pragma once

#include <memory>
#include <string_view>

#include "ctabi/abi/classify.h"
#include "ctabi/jit/emit.h"

namespace ctabi {

namespace detail {
struct CodeEntry; // signature, layouts and code, owned by the cache
}

// Calls functions of one signature: arguments are read through an array of
// pointers (args[i] points to argument i's value, as with ffi_call) and the
// result's bytes are written to `result` (its type's size; ignored for void).
class Invoker {
public:
    Invoker() = default;

    // Bound invokers (made with a target).
    void operator()(void* result, void* const* args) const { bound_(result, args); }
    // Unbound invokers (made without a target).
    void operator()(const void* target, void* result, void* const* args) const {
        unbound_(target, result, args);
    }

    bool is_bound() const { return bound_ != nullptr; }
    jit::BoundInvokeFn bound_entry() const { return bound_; }
    jit::InvokeFn entry() const { return unbound_; }
    const abi::Signature& signature() const;
    // Classified anew from signature() (not kept: nothing on the call path needs it).
    abi::CallLayout layout() const;

private:
    friend Result<Invoker> make_invoker(const abi::Signature&, const void*);
    std::shared_ptr<const detail::CodeEntry> entry_;
    jit::BoundInvokeFn bound_ = nullptr;
    jit::InvokeFn unbound_ = nullptr;
};

// Calls one target with arguments read by value from one packed buffer laid
// out as `buffer()` says: a C struct whose members are the arguments. One
// load fewer per argument than the pointer-array form; what a binding that
// marshals its own arguments (the Python fast path) wants.
class PackedInvoker {
public:
    PackedInvoker() = default;
    void operator()(void* result, const void* args) const { fn_(result, args); }
    jit::PackedInvokeFn entry() const { return fn_; }
    // The generated code's size in bytes, from entry() (for disassembly).
    size_t code_size() const;
    const abi::Signature& signature() const;
    // Classified anew from signature() (not kept: nothing on the call path needs it).
    abi::CallLayout layout() const;
    // The buffer's layout (computed from signature()).
    abi::ArgumentBuffer buffer() const { return abi::argument_buffer(signature()); }

private:
    friend Result<PackedInvoker> make_packed_invoker(const abi::Signature&, const void*);
    std::shared_ptr<const detail::CodeEntry> entry_;
    jit::PackedInvokeFn fn_ = nullptr;
};

// A host-native function with the canonical signature of `signature()` (see
// abi::canonical_signature) that calls the target. When the target already is
// canonical and native, address() is the target itself.
class Thunk {
public:
    Thunk() = default;
    void* address() const { return address_; }
    template <typename F>
    F* as() const {
        return reinterpret_cast<F*>(address_);
    }
    bool is_target_itself() const;
    // The generated code's size in bytes, from address() (0 when the thunk is
    // the target itself): what a disassembly reads.
    size_t code_size() const;
    const abi::Signature& signature() const;
    // Computed from signature() (see abi::canonical_signature).
    abi::Signature canonical_signature() const;
    // Classified anew from signature() (not kept: nothing on the call path needs it).
    abi::CallLayout layout() const;

private:
    friend Result<Thunk> make_thunk(const abi::Signature&, const void*);
    std::shared_ptr<const detail::CodeEntry> entry_;
    void* address_ = nullptr;
};

// Cached: the same signature (and target) returns the same code.
// Without a target the invoker is unbound (the target is its first argument).
Result<Invoker> make_invoker(const abi::Signature& sig, const void* target = nullptr);
Result<Invoker> make_invoker(std::string_view signature_text, const void* target = nullptr);
Result<PackedInvoker> make_packed_invoker(const abi::Signature& sig, const void* target);
Result<PackedInvoker> make_packed_invoker(std::string_view signature_text, const void* target);
Result<Thunk> make_thunk(const abi::Signature& sig, const void* target);
Result<Thunk> make_thunk(std::string_view signature_text, const void* target);

// Number of distinct pieces of code in the process-wide cache.
size_t cached_code_count();

} // namespace ctabi
