// ctabi: C calls across calling conventions without libffi.
#pragma once

#include "ctabi/abi/classify.h"
#include "ctabi/abi/layout.h"
#include "ctabi/abi/parse.h"
#include "ctabi/abi/signature.h"
#include "ctabi/abi/type.h"
#include "ctabi/callback.h"
#include "ctabi/function.h"
#include "ctabi/invoker.h"
#include "ctabi/jit/emit.h"
#include "ctabi/result.h"
