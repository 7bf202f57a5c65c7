#include "ctabi/abi/classify.h"

namespace ctabi::abi {

Result<CallLayout> classify(const Signature& sig) {
    if (auto ok = validate(sig); !ok) return ok.error();
    switch (sig.conv) {
    case CallConv::sysv64: return classify_sysv64(sig);
    case CallConv::win64: return classify_win64(sig);
    case CallConv::cdecl_:
    case CallConv::stdcall:
    case CallConv::fastcall:
    case CallConv::thiscall: return classify_i386(sig);
    }
    return make_error("unknown calling convention");
}

RegisterSet callee_saved(CallConv conv) {
    switch (conv) {
    case CallConv::sysv64: return callee_saved_sysv64();
    case CallConv::win64: return callee_saved_win64();
    case CallConv::cdecl_:
    case CallConv::stdcall:
    case CallConv::fastcall:
    case CallConv::thiscall: break;
    }
    // i386 (SysV i386 psABI 2.2.2 and MSVC alike): ebx, esi, edi, ebp.
    return RegisterSet{uint16_t(1u << gpr::bx | 1u << gpr::si | 1u << gpr::di | 1u << gpr::bp), 0};
}

namespace {
// Values the canonical form passes by pointer: aggregates, and x87 long
// double, which compiled code outside C (numba, LLVM IR users) cannot make.
bool by_pointer(const Type& t) {
    return t.is_aggregate() || t.kind == Kind::F80;
}
} // namespace

Signature canonical_signature(const Signature& sig) {
    return canonical_signature(sig, host_conv(), host_platform());
}

Signature canonical_signature(const Signature& sig, CallConv native, Platform platform) {
    Signature c;
    c.conv = native;
    c.platform = platform;
    DataModel model = data_model(c.conv, c.platform);
    if (by_pointer(sig.result)) {
        c.result = Type::void_type();
        c.args.push_back(Type::pointer(model));
    } else {
        c.result = sig.result;
    }
    for (const auto& a : sig.args)
        c.args.push_back(by_pointer(a) ? Type::pointer(model) : a);
    return c;
}

bool is_canonical(const Signature& sig) {
    if (sig.conv != host_conv() || sig.platform != host_platform() || sig.is_variadic())
        return false;
    if (by_pointer(sig.result)) return false;
    for (const auto& a : sig.args)
        if (by_pointer(a)) return false;
    return true;
}

} // namespace ctabi::abi
