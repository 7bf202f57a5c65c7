// The process-wide cache of invokers and thunks. A (kind, signature, target)
// key is classified and compiled once; later lookups take a shared lock and
// hash the signature structurally (no text is built on the lookup path).
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "ctabi/abi/parse.h"
#include "ctabi/invoker.h"

namespace ctabi {
namespace detail {

struct CodeEntry {
    abi::Signature signature;
    abi::Signature canonical;
    abi::CallLayout layout;
    jit::GeneratedCode code;
    bool target_itself = false;
};

} // namespace detail

namespace {

enum class CodeKind : uint8_t { invoker, thunk };

struct Key {
    CodeKind kind;
    abi::Signature sig;
    const void* target;
    friend bool operator==(const Key&, const Key&) = default;
};

void mix(size_t& h, size_t v) {
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
}

size_t hash_type(const abi::Type& t) {
    size_t h = size_t(t.kind);
    mix(h, t.size);
    if (t.is_aggregate()) {
        mix(h, t.align);
        mix(h, t.count);
        for (const auto& f : t.fields) {
            mix(h, f.offset);
            mix(h, hash_type(f.type));
        }
    }
    return h;
}

struct KeyHash {
    size_t operator()(const Key& k) const {
        size_t h = size_t(k.kind);
        mix(h, std::hash<const void*>()(k.target));
        mix(h, size_t(k.sig.conv) | size_t(k.sig.platform) << 8);
        mix(h, k.sig.fixed_args ? *k.sig.fixed_args + 1 : 0);
        mix(h, hash_type(k.sig.result));
        for (const auto& a : k.sig.args)
            mix(h, hash_type(a));
        return h;
    }
};

class CodeCache {
public:
    static CodeCache& instance() {
        // Never destroyed: code may be called during static destruction.
        static CodeCache* cache = new CodeCache;
        return *cache;
    }

    Result<std::shared_ptr<const detail::CodeEntry>> get(const Key& key) {
        {
            std::shared_lock lock(mutex_);
            if (auto it = map_.find(key); it != map_.end()) return it->second;
        }
        // Built under the exclusive lock, so each key is compiled once.
        std::unique_lock lock(mutex_);
        if (auto it = map_.find(key); it != map_.end()) return it->second;
        CTABI_TRY_ASSIGN(entry, build(key));
        map_.emplace(key, entry);
        return entry;
    }

    size_t size() {
        std::shared_lock lock(mutex_);
        return map_.size();
    }

private:
    static Result<std::shared_ptr<const detail::CodeEntry>> build(const Key& key) {
        auto entry = std::make_shared<detail::CodeEntry>();
        entry->signature = key.sig;
        CTABI_TRY_ASSIGN(layout, abi::classify(key.sig));
        entry->layout = std::move(layout);
        if (key.kind == CodeKind::invoker) {
            CTABI_TRY_ASSIGN(code, jit::emit_invoker(entry->layout, key.target));
            entry->code = std::move(code);
            return std::shared_ptr<const detail::CodeEntry>(std::move(entry));
        }
        entry->canonical = abi::canonical_signature(key.sig);
        if (abi::is_canonical(key.sig)) {
            // Calling the target directly already is the canonical call.
            entry->code.entry = const_cast<void*>(key.target);
            entry->target_itself = true;
            return std::shared_ptr<const detail::CodeEntry>(std::move(entry));
        }
        CTABI_TRY_ASSIGN(canonical_layout, abi::classify(entry->canonical));
        CTABI_TRY_ASSIGN(
            code, jit::emit_forward_thunk(key.sig, entry->layout, canonical_layout, key.target));
        entry->code = std::move(code);
        return std::shared_ptr<const detail::CodeEntry>(std::move(entry));
    }

    std::shared_mutex mutex_;
    std::unordered_map<Key, std::shared_ptr<const detail::CodeEntry>, KeyHash> map_;
};

} // namespace

const abi::Signature& Invoker::signature() const {
    return entry_->signature;
}
const abi::CallLayout& Invoker::layout() const {
    return entry_->layout;
}

Result<Invoker> make_invoker(const abi::Signature& sig, const void* target) {
    CTABI_TRY_ASSIGN(entry, CodeCache::instance().get(Key{CodeKind::invoker, sig, target}));
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

bool Thunk::is_target_itself() const {
    return entry_->target_itself;
}
const abi::Signature& Thunk::signature() const {
    return entry_->signature;
}
const abi::Signature& Thunk::canonical_signature() const {
    return entry_->canonical;
}
const abi::CallLayout& Thunk::layout() const {
    return entry_->layout;
}

Result<Thunk> make_thunk(const abi::Signature& sig, const void* target) {
    if (!target) return make_error("make_thunk: the target address is null");
    CTABI_TRY_ASSIGN(entry, CodeCache::instance().get(Key{CodeKind::thunk, sig, target}));
    Thunk t;
    t.address_ = entry->code.entry;
    t.entry_ = std::move(entry);
    return t;
}

Result<Thunk> make_thunk(std::string_view text, const void* target) {
    CTABI_TRY_ASSIGN(sig, abi::parse_signature(text));
    return make_thunk(sig, target);
}

size_t cached_code_count() {
    return CodeCache::instance().size();
}

} // namespace ctabi
