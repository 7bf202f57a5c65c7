// The process-wide cache of invokers and thunks. A (kind, signature, target)
// key is classified and compiled once; later lookups take a shared lock and
// hash the caller's signature structurally (nothing is copied or printed on
// the lookup path).
#include <functional>
#include <mutex>
#include <new>
#include <shared_mutex>
#include <vector>

#include "code_cache.h"
#include "ctabi/abi/parse.h"
#include "ctabi/invoker.h"

namespace ctabi {

namespace {
enum class CodeKind : uint8_t {
    invoker,
    packed_invoker,
    thunk,
    trampoline_body,
    trampoline_passthrough
};
} // namespace

namespace detail {

// One cached piece of code. Its (kind, signature, target) is also its key in
// the cache, so the signature is stored once.
struct CodeEntry {
    CodeKind kind;
    abi::Signature signature;
    const void* target;
    uint64_t hash; // of (kind, signature, target), computed once
    jit::GeneratedCode code;
    bool target_itself = false;
    // Pass-through bodies: see jit::emit_trampoline_passthrough.
    int8_t data_register = -1;
};

} // namespace detail

namespace {

// A key that refers to the caller's signature: lookups copy nothing.
struct KeyRef {
    CodeKind kind;
    const abi::Signature& sig;
    const void* target;
    uint64_t hash;
};

using EntryPtr = std::shared_ptr<const detail::CodeEntry>;

// splitmix64's finaliser: every input bit reaches every output bit.
uint64_t mix(uint64_t h, uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ull;
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
    return h ^ (h >> 31);
}

uint64_t hash_type(const abi::Type& t) {
    uint64_t h = mix(uint64_t(t.kind), t.size);
    if (t.is_aggregate()) {
        h = mix(h, uint64_t(t.align) << 32 | t.count);
        for (const auto& f : t.fields)
            h = mix(mix(h, f.offset), hash_type(f.type));
    }
    return h;
}

uint64_t hash_key(CodeKind kind, const abi::Signature& sig, const void* target) {
    uint64_t h = mix(uint64_t(kind), reinterpret_cast<uintptr_t>(target));
    h = mix(h, uint64_t(sig.conv) | uint64_t(sig.platform) << 8 |
                   uint64_t(sig.fixed_args ? *sig.fixed_args + 1 : 0) << 16);
    h = mix(h, hash_type(sig.result));
    for (const auto& a : sig.args)
        h = mix(h, hash_type(a));
    return h;
}

KeyRef key_ref(CodeKind kind, const abi::Signature& sig, const void* target) {
    return KeyRef{kind, sig, target, hash_key(kind, sig, target)};
}

bool same_key(const KeyRef& k, const detail::CodeEntry& e) {
    return k.kind == e.kind && k.target == e.target && k.sig == e.signature;
}

// Open addressing with linear probing over (hash, entry) slots, at most half
// full: a lookup reads the slots' cached hashes and touches an entry only when
// a hash matches, so a key not yet cached costs about one cache line.
class EntryTable {
public:
    EntryTable() : slots_(kInitialCapacity) {}

    const EntryPtr* find(const KeyRef& key) const {
        const size_t mask = slots_.size() - 1;
        for (size_t i = key.hash & mask;; i = (i + 1) & mask) {
            const Slot& slot = slots_[i];
            if (!slot.entry) return nullptr;
            if (slot.hash == key.hash && same_key(key, *slot.entry)) return &slot.entry;
        }
    }

    // The entry's key must not be in the table yet.
    void insert(EntryPtr entry) {
        if (2 * (size_ + 1) > slots_.size()) grow();
        place(slots_, std::move(entry));
        ++size_;
    }

    size_t size() const { return size_; }

private:
    struct Slot {
        uint64_t hash = 0;
        EntryPtr entry;
    };
    static constexpr size_t kInitialCapacity = 512;

    static void place(std::vector<Slot>& slots, EntryPtr entry) {
        const size_t mask = slots.size() - 1;
        size_t i = entry->hash & mask;
        while (slots[i].entry)
            i = (i + 1) & mask;
        slots[i].hash = entry->hash;
        slots[i].entry = std::move(entry);
    }

    void grow() {
        std::vector<Slot> bigger(slots_.size() * 2);
        for (Slot& slot : slots_)
            if (slot.entry) place(bigger, std::move(slot.entry));
        slots_ = std::move(bigger);
    }

    std::vector<Slot> slots_; // a power of two of them
    size_t size_ = 0;
};

class CodeCache {
public:
    static CodeCache& instance() {
        // Never destroyed: code may be called during static destruction.
        static CodeCache* cache = new CodeCache;
        return *cache;
    }

    Result<EntryPtr> get(const KeyRef& key) {
        {
            std::shared_lock lock(mutex_);
            if (const EntryPtr* found = table_.find(key)) return *found;
        }
        // Built under the exclusive lock, so each key is compiled once.
        std::unique_lock lock(mutex_);
        if (const EntryPtr* found = table_.find(key)) return *found;
        CTABI_TRY_ASSIGN(entry, build(key));
        table_.insert(entry);
        return entry;
    }

    size_t size() {
        std::shared_lock lock(mutex_);
        return table_.size();
    }

    // fork(): see jit/fork_safety.cpp.
    void lock_for_fork() { mutex_.lock(); }
    void unlock_after_fork() { mutex_.unlock(); }
    void reset_in_child() { new (&mutex_) std::shared_mutex; }

private:
    CodeCache() = default;

    static Result<EntryPtr> build(const KeyRef& key) {
        CTABI_TRY_ASSIGN(layout, abi::classify(key.sig));
        auto entry = std::make_shared<detail::CodeEntry>(
            detail::CodeEntry{key.kind, key.sig, key.target, key.hash, {}, false});
        if (key.kind == CodeKind::invoker) {
            CTABI_TRY_ASSIGN(code, jit::emit_invoker(layout, key.target));
            entry->code = std::move(code);
        } else if (key.kind == CodeKind::packed_invoker) {
            abi::ArgumentBuffer buffer = abi::argument_buffer(key.sig);
            CTABI_TRY_ASSIGN(code, jit::emit_invoker(layout, key.target, &buffer));
            entry->code = std::move(code);
        } else if (key.kind == CodeKind::trampoline_body) {
            CTABI_TRY_ASSIGN(code, jit::emit_trampoline_body(layout));
            entry->code = std::move(code);
        } else if (key.kind == CodeKind::trampoline_passthrough) {
            if (key.sig.is_variadic())
                return make_error("no pass-through trampoline for a variadic signature");
            abi::Signature extended = key.sig;
            extended.args.push_back(
                abi::Type::pointer(abi::data_model(key.sig.conv, key.sig.platform)));
            CTABI_TRY_ASSIGN(extended_layout, abi::classify(extended));
            int data_register = -1;
            CTABI_TRY_ASSIGN(
                code, jit::emit_trampoline_passthrough(layout, extended_layout, &data_register));
            entry->code = std::move(code);
            entry->data_register = int8_t(data_register);
        } else if (abi::is_canonical(key.sig)) {
            // Calling the target directly already is the canonical call.
            entry->code.entry = const_cast<void*>(key.target);
            entry->target_itself = true;
        } else {
            CTABI_TRY_ASSIGN(canonical_layout, abi::classify(abi::canonical_signature(key.sig)));
            CTABI_TRY_ASSIGN(
                code, jit::emit_forward_thunk(key.sig, layout, canonical_layout, key.target));
            entry->code = std::move(code);
        }
        return EntryPtr(std::move(entry));
    }

    std::shared_mutex mutex_;
    EntryTable table_;
};

} // namespace

const abi::Signature& Invoker::signature() const {
    return entry_->signature;
}
abi::CallLayout Invoker::layout() const {
    return abi::classify(entry_->signature).value();
}

Result<Invoker> make_invoker(const abi::Signature& sig, const void* target) {
    CTABI_TRY_ASSIGN(entry, CodeCache::instance().get(key_ref(CodeKind::invoker, sig, target)));
    Invoker inv;
    if (target)
        inv.bound_ = reinterpret_cast<jit::BoundInvokeFn>(entry->code.entry);
    else
        inv.unbound_ = reinterpret_cast<jit::InvokeFn>(entry->code.entry);
    inv.entry_ = std::move(entry);
    return inv;
}

Result<Invoker> make_invoker(std::string_view text, const void* target) {
    CTABI_TRY_ASSIGN(sig, abi::parse_signature(text));
    return make_invoker(sig, target);
}

size_t PackedInvoker::code_size() const {
    return entry_->code.size;
}
const abi::Signature& PackedInvoker::signature() const {
    return entry_->signature;
}
abi::CallLayout PackedInvoker::layout() const {
    return abi::classify(entry_->signature).value();
}

Result<PackedInvoker> make_packed_invoker(const abi::Signature& sig, const void* target) {
    if (!target) return make_error("make_packed_invoker: the target address is null");
    CTABI_TRY_ASSIGN(entry,
                     CodeCache::instance().get(key_ref(CodeKind::packed_invoker, sig, target)));
    PackedInvoker inv;
    inv.fn_ = reinterpret_cast<jit::PackedInvokeFn>(entry->code.entry);
    inv.entry_ = std::move(entry);
    return inv;
}

Result<PackedInvoker> make_packed_invoker(std::string_view text, const void* target) {
    CTABI_TRY_ASSIGN(sig, abi::parse_signature(text));
    return make_packed_invoker(sig, target);
}

bool Thunk::is_target_itself() const {
    return entry_->target_itself;
}
size_t Thunk::code_size() const {
    return entry_->target_itself ? 0 : entry_->code.size;
}
const abi::Signature& Thunk::signature() const {
    return entry_->signature;
}
abi::Signature Thunk::canonical_signature() const {
    return abi::canonical_signature(entry_->signature);
}
abi::CallLayout Thunk::layout() const {
    return abi::classify(entry_->signature).value();
}

Result<Thunk> make_thunk(const abi::Signature& sig, const void* target) {
    if (!target) return make_error("make_thunk: the target address is null");
    CTABI_TRY_ASSIGN(entry, CodeCache::instance().get(key_ref(CodeKind::thunk, sig, target)));
    Thunk t;
    t.address_ = entry->code.entry;
    t.entry_ = std::move(entry);
    return t;
}

Result<Thunk> make_thunk(std::string_view text, const void* target) {
    CTABI_TRY_ASSIGN(sig, abi::parse_signature(text));
    return make_thunk(sig, target);
}

namespace detail {

Result<std::shared_ptr<const CodeEntry>> cached_trampoline_body(const abi::Signature& sig) {
    return CodeCache::instance().get(key_ref(CodeKind::trampoline_body, sig, nullptr));
}
Result<std::shared_ptr<const CodeEntry>> cached_trampoline_passthrough(const abi::Signature& sig) {
    return CodeCache::instance().get(key_ref(CodeKind::trampoline_passthrough, sig, nullptr));
}
const abi::Signature& entry_signature(const CodeEntry& entry) {
    return entry.signature;
}
void cache_fork_prepare() {
    CodeCache::instance().lock_for_fork();
}
void cache_fork_parent() {
    CodeCache::instance().unlock_after_fork();
}
void cache_fork_child() {
    CodeCache::instance().reset_in_child();
}

size_t entry_code_size(const CodeEntry& entry) {
    return entry.code.size;
}
const void* entry_code(const CodeEntry& entry) {
    return entry.code.entry;
}
int entry_data_register(const CodeEntry& entry) {
    return entry.data_register;
}

} // namespace detail

size_t cached_code_count() {
    return CodeCache::instance().size();
}

} // namespace ctabi
