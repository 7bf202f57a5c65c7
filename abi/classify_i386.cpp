// PLACEHOLDER: replaced by the i386 classifier.
#include "classify_common.h"
#include "ctabi/abi/classify.h"

namespace ctabi::abi {
Result<CallLayout> classify_i386(const Signature& sig) {
    return make_error(std::string("the ") + conv_name(sig.conv) +
                      " convention (i386) is not supported yet");
}
} // namespace ctabi::abi
