// ctabi's libffi-compatible API: ffi_prep_cif, ffi_prep_cif_var and
// ffi_call. A cif's signature is described into a key, looked up (or
// classified and compiled, once) in a process-wide table, and the entry's
// number stored in cif->flags; ffi_call runs the entry's cached invoker.
#include <alloca.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "ffi_internal.h"

namespace ctabi::ffi {
namespace {

// cif->flags = kFlagsTag | entry number: a cif no ffi_prep_cif of ours
// prepared (zeroed, or garbage) is told apart.
constexpr uint32_t kFlagsTag = 0xC7000000u;
constexpr uint32_t kIndexBits = 24;
constexpr uint32_t kBlockBits = 12;
constexpr uint32_t kBlockSize = 1u << kBlockBits;
constexpr uint32_t kBlocks = 1u << (kIndexBits - kBlockBits);

struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Entries are never freed (a cif may be used as long as the process runs);
// there is one per distinct signature. Readers find them without a lock.
class EntryTable {
public:
    static EntryTable& instance() {
        static EntryTable* table = new EntryTable; // used until the very end
        return *table;
    }

    const CifEntry* get(uint32_t index) const {
        const auto* block = blocks_[index >> kBlockBits].load(std::memory_order_acquire);
        if (!block) return nullptr;
        return block[index & (kBlockSize - 1)].load(std::memory_order_acquire);
    }

    // The entry number for `key`, made by `make` when new (-1 on failure).
    template <typename Make>
    int64_t find_or_add(std::string_view key, Make&& make) {
        {
            std::shared_lock lock(mutex_);
            if (auto it = index_.find(key); it != index_.end()) return it->second;
        }
        std::unique_lock lock(mutex_);
        if (auto it = index_.find(key); it != index_.end()) return it->second;
        if (count_ >= kBlocks * kBlockSize) {
            std::fprintf(stderr, "ctabi libffi: more than %u distinct signatures prepared\n",
                         kBlocks * kBlockSize);
            return -1;
        }
        CifEntry* entry = make();
        if (!entry) return -1;
        const uint32_t index = count_++;
        auto& slot = blocks_[index >> kBlockBits];
        auto* block = slot.load(std::memory_order_relaxed);
        if (!block) {
            block = new std::atomic<const CifEntry*>[kBlockSize]();
            slot.store(block, std::memory_order_release);
        }
        block[index & (kBlockSize - 1)].store(entry, std::memory_order_release);
        index_.emplace(std::string(key), index);
        return index;
    }

    // fork(): no thread of ours is adding an entry while it happens; the
    // child's copy of the lock records the parent's thread, so it is made
    // anew there (see fork_safety.cpp).
    void lock_for_fork() { mutex_.lock(); }
    void unlock_after_fork() { mutex_.unlock(); }
    void reset_in_child() { new (&mutex_) std::shared_mutex; }

private:
    std::shared_mutex mutex_;
    std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> index_;
    std::atomic<std::atomic<const CifEntry*>*> blocks_[kBlocks] = {};
    uint32_t count_ = 0;
};

// The calling convention of a libffi ABI value (libffi's own checks come
// first: see prep()).
bool convention_of(ffi_abi abi, abi::CallConv& conv) {
#if defined(__x86_64__)
    switch (abi) {
    case FFI_UNIX64: conv = abi::CallConv::sysv64; return true;
    case FFI_WIN64:
    case FFI_GNUW64: conv = abi::CallConv::win64; return true;
    default: return false;
    }
#else
    switch (abi) {
    case FFI_SYSV:
    case FFI_MS_CDECL: conv = abi::CallConv::cdecl_; return true;
    case FFI_STDCALL: conv = abi::CallConv::stdcall; return true;
    case FFI_FASTCALL: conv = abi::CallConv::fastcall; return true;
    case FFI_THISCALL: conv = abi::CallConv::thiscall; return true;
    default: return false; // FFI_PASCAL, FFI_REGISTER
    }
#endif
}

CifEntry::Widen widen_of(const ffi_type* t) {
    if (t->size >= sizeof(ffi_arg)) return CifEntry::Widen::none;
    switch (t->type) {
    case FFI_TYPE_SINT8:
    case FFI_TYPE_SINT16:
    case FFI_TYPE_SINT32:
    case FFI_TYPE_INT: return CifEntry::Widen::sign;
    case FFI_TYPE_UINT8:
    case FFI_TYPE_UINT16:
    case FFI_TYPE_UINT32: return CifEntry::Widen::zero;
    default: return CifEntry::Widen::none;
    }
}

CifEntry* make_entry(abi::CallConv conv, unsigned nfixed, unsigned ntotal, bool variadic,
                     ffi_type* rtype, ffi_type** atypes) {
    abi::Signature sig;
    sig.conv = conv;
    sig.platform = abi::host_platform();
    const abi::DataModel model = abi::data_model(sig.conv, sig.platform);
    auto result = to_abi_type(rtype, model);
    if (!result) return nullptr;
    sig.result = std::move(*result);
    std::vector<CifEntry::WideArg> wide;
    for (unsigned i = 0; i < ntotal; ++i) {
        auto arg = to_abi_type(atypes[i], model);
        if (!arg || arg->is_void()) return nullptr;
        if (model.pointer_size == 8 && arg->is_integer() && arg->size < 8 &&
            arg->kind != abi::Kind::Bool) {
            // Same register or 8-byte stack slot, the value extended as
            // libffi extends it.
            wide.push_back({uint16_t(i), uint8_t(arg->size), arg->is_signed()});
            *arg = abi::Type::scalar(arg->is_signed() ? abi::Kind::I64 : abi::Kind::U64, model);
        }
        sig.args.push_back(std::move(*arg));
    }
    if (ntotal > UINT16_MAX) return nullptr;
    if (variadic) sig.fixed_args = nfixed;
    auto layout = abi::classify(sig);
    if (!layout) return nullptr;
    auto invoker = make_invoker(sig);
    if (!invoker) return nullptr;
    auto* e = new CifEntry;
    e->signature = std::move(sig);
    e->invoker = std::move(*invoker);
    e->result_size = rtype->type == FFI_TYPE_VOID ? 0 : uint32_t(rtype->size);
    e->widen = widen_of(rtype);
    e->stack_bytes = layout->stack_size;
    e->wide_args = std::move(wide);
    return e;
}

struct LastPrepared {
    uint32_t index_plus_one; // 0: none
    uint32_t size;
    char key[120];
};
thread_local LastPrepared t_last;

// libffi prep_cif.c ffi_prep_cif_core, in its order: the abi's range, the
// return type, the arguments (aggregates laid out), then the machine part.
ffi_status prep(ffi_cif* cif, ffi_abi abi, bool variadic, unsigned nfixed, unsigned ntotal,
                ffi_type* rtype, ffi_type** atypes) {
    if (cif == nullptr) return FFI_BAD_TYPEDEF;
    if (!(abi > FFI_FIRST_ABI && abi < FFI_LAST_ABI)) return FFI_BAD_ABI;
    cif->abi = abi;
    cif->arg_types = atypes;
    cif->nargs = ntotal;
    cif->rtype = rtype;
    cif->flags = 0;
    cif->bytes = 0;
    Key key;
    key.push(char(abi));
    key.push(variadic ? 'v' : 'f');
    for (unsigned shift = 0; shift < 32; shift += 8)
        key.push(char(nfixed >> shift));
    if (append_type_key(key, rtype) != FFI_OK) return FFI_BAD_TYPEDEF;
    if (ntotal && atypes == nullptr) return FFI_BAD_TYPEDEF;
    for (unsigned i = 0; i < ntotal; ++i)
        if (append_type_key(key, atypes[i]) != FFI_OK) return FFI_BAD_TYPEDEF;
    abi::CallConv conv;
    if (!convention_of(abi, conv)) return FFI_BAD_ABI;
    if (variadic) {
        // ffi_prep_cif_var (3.4): a float, or an integer narrower than int,
        // cannot be a variadic argument (C promotes them).
        if (nfixed > ntotal) return FFI_BAD_ARGTYPE;
        for (unsigned i = nfixed; i < ntotal; ++i) {
            const ffi_type* t = atypes[i];
            if (t == &ffi_type_float ||
                (t->type != FFI_TYPE_STRUCT && t->type != FFI_TYPE_COMPLEX &&
                 t->size < ffi_type_sint32.size))
                return FFI_BAD_ARGTYPE;
        }
    }
    // The last signature this thread prepared (one TLS access; trivially
    // constructed, so no guard): ctypes prepares the same one over and over.
    LastPrepared& last = t_last;
    const std::string_view k = key.view();
    int64_t index;
    if (last.index_plus_one && last.size == k.size() &&
        std::memcmp(last.key, k.data(), k.size()) == 0) {
        index = int64_t(last.index_plus_one) - 1;
    } else {
        index = EntryTable::instance().find_or_add(
            k, [&] { return make_entry(conv, nfixed, ntotal, variadic, rtype, atypes); });
        if (index < 0) return FFI_BAD_TYPEDEF;
        if (k.size() <= sizeof last.key) {
            std::memcpy(last.key, k.data(), k.size());
            last.size = uint32_t(k.size());
            last.index_plus_one = uint32_t(index) + 1;
        } else {
            last.index_plus_one = 0;
        }
    }
    const CifEntry* e = EntryTable::instance().get(uint32_t(index));
    cif->bytes = e->stack_bytes;
    cif->flags = kFlagsTag | uint32_t(index);
    return FFI_OK;
}

[[noreturn]] void unprepared(const char* what) {
    std::fprintf(stderr,
                 "ctabi libffi: %s with a cif that ffi_prep_cif did not prepare (or that was "
                 "changed since); aborting\n",
                 what);
    std::abort();
}

} // namespace

void cif_table_fork_prepare() {
    EntryTable::instance().lock_for_fork();
}
void cif_table_fork_parent() {
    EntryTable::instance().unlock_after_fork();
}
void cif_table_fork_child() {
    EntryTable::instance().reset_in_child();
}

const CifEntry* entry_of(const ffi_cif* cif) {
    if (!cif || (cif->flags & ~((1u << kIndexBits) - 1)) != kFlagsTag) return nullptr;
    return EntryTable::instance().get(cif->flags & ((1u << kIndexBits) - 1));
}

} // namespace ctabi::ffi

using ctabi::ffi::CifEntry;

extern "C" {

ffi_status ffi_prep_cif(ffi_cif* cif, ffi_abi abi, unsigned int nargs, ffi_type* rtype,
                        ffi_type** atypes) {
    return ctabi::ffi::prep(cif, abi, false, nargs, nargs, rtype, atypes);
}

ffi_status ffi_prep_cif_var(ffi_cif* cif, ffi_abi abi, unsigned int nfixedargs,
                            unsigned int ntotalargs, ffi_type* rtype, ffi_type** atypes) {
    return ctabi::ffi::prep(cif, abi, true, nfixedargs, ntotalargs, rtype, atypes);
}

void ffi_call(ffi_cif* cif, void (*fn)(void), void* rvalue, void** avalue) {
    const CifEntry* e = ctabi::ffi::entry_of(cif);
    if (!e) ctabi::ffi::unprepared("ffi_call");
    // libffi allows a null rvalue (the result is dropped).
    void* out = rvalue;
    if (!out) out = alloca(e->result_size > sizeof(ffi_arg) ? e->result_size : sizeof(ffi_arg));
    void** args = avalue;
    void* local_args[16];
    uint64_t local_wide[16];
    if (!e->wide_args.empty()) {
        const unsigned n = cif->nargs;
        args = n <= 16 ? local_args : static_cast<void**>(alloca(n * sizeof(void*)));
        auto* wide = e->wide_args.size() <= 16
                         ? local_wide
                         : static_cast<uint64_t*>(alloca(e->wide_args.size() * sizeof(uint64_t)));
        std::memcpy(args, avalue, n * sizeof(void*));
        for (size_t k = 0; k < e->wide_args.size(); ++k) {
            const CifEntry::WideArg& w = e->wide_args[k];
            const void* v = avalue[w.index];
            switch (w.size) {
            case 1:
                wide[k] = w.is_signed ? uint64_t(int64_t(*static_cast<const int8_t*>(v)))
                                      : *static_cast<const uint8_t*>(v);
                break;
            case 2:
                wide[k] = w.is_signed ? uint64_t(int64_t(*static_cast<const int16_t*>(v)))
                                      : *static_cast<const uint16_t*>(v);
                break;
            default:
                wide[k] = w.is_signed ? uint64_t(int64_t(*static_cast<const int32_t*>(v)))
                                      : *static_cast<const uint32_t*>(v);
            }
            args[w.index] = &wide[k];
        }
    }
    e->invoker.entry()(reinterpret_cast<const void*>(fn), out, args);
    // libffi: an integral result narrower than ffi_arg fills a whole ffi_arg.
    if (e->widen != CifEntry::Widen::none) {
        ffi_arg v = 0;
        switch (e->result_size) {
        case 1:
            v = e->widen == CifEntry::Widen::sign ? ffi_arg(ffi_sarg(*static_cast<int8_t*>(out)))
                                                  : *static_cast<uint8_t*>(out);
            break;
        case 2:
            v = e->widen == CifEntry::Widen::sign ? ffi_arg(ffi_sarg(*static_cast<int16_t*>(out)))
                                                  : *static_cast<uint16_t*>(out);
            break;
        case 4:
            v = e->widen == CifEntry::Widen::sign ? ffi_arg(ffi_sarg(*static_cast<int32_t*>(out)))
                                                  : *static_cast<uint32_t*>(out);
            break;
        default: return;
        }
        std::memcpy(out, &v, sizeof v);
    }
}

} // extern "C"
