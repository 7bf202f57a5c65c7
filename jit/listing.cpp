#include "ctabi/jit/listing.h"

#include "ctabi/abi/classify.h"
#include "ctabi/jit/emit.h"
#include "exec_memory.h"

namespace ctabi::jit {
namespace {

// The native C convention of a process of `arch` on the host's platform
// family: the canonical form of thunks in that process.
abi::CallConv native_conv(abi::Arch arch) {
    if (abi::conv_arch(abi::host_conv()) == arch) return abi::host_conv();
    return arch == abi::Arch::x86_64 ? abi::CallConv::sysv64 : abi::CallConv::cdecl_;
}

CodeListing listing_of(const char* name, abi::Arch arch, const GeneratedCode& code) {
    CodeListing l;
    l.name = name;
    l.arch = arch;
    l.base = kListingBase;
    const auto* p = static_cast<const uint8_t*>(code.entry);
    l.bytes.assign(p, p + code.size);
    return l;
}

} // namespace

uint64_t listing_target(abi::Arch arch) {
    return arch == abi::Arch::x86_64 ? 0x7f0000001000ull : 0x08001000ull;
}

Result<std::vector<CodeListing>> list_generated_code(const abi::Signature& sig) {
    CTABI_TRY_ASSIGN(layout, abi::classify(sig));
    const abi::Arch arch = layout.arch;
    ListingScope scope(arch);
    std::vector<CodeListing> out;

    const abi::CallConv native = native_conv(arch);
    const abi::Platform platform =
        abi::conv_arch(abi::host_conv()) == arch ? abi::host_platform() : abi::Platform::sysv;
    abi::Signature canonical = abi::canonical_signature(sig, native, platform);
    const auto* target = reinterpret_cast<const void*>(uintptr_t(listing_target(arch)));
    if (!sig.is_variadic() && canonical == sig) {
        CodeListing l;
        l.name = "forward thunk";
        l.arch = arch;
        l.note = "none: the target is already a canonical native function, so the thunk is the "
                 "target itself";
        out.push_back(std::move(l));
    } else {
        CTABI_TRY_ASSIGN(canonical_layout, abi::classify(canonical));
        CTABI_TRY_ASSIGN(thunk, emit_forward_thunk(sig, layout, canonical_layout, target));
        out.push_back(listing_of("forward thunk", arch, thunk));
    }
    CTABI_TRY_ASSIGN(invoker, emit_invoker(layout, nullptr));
    out.push_back(listing_of("invoker", arch, invoker));
    CTABI_TRY_ASSIGN(body, emit_trampoline_body(layout));
    out.push_back(listing_of("trampoline body", arch, body));
    return out;
}

} // namespace ctabi::jit
