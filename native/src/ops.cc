// The one generic path into ATen: an op is looked up once by schema name, then called
// with boxed arguments converted from JavaScript according to the schema's declared types.
// Adding an op to latentlab is therefore a TypeScript change; nothing here knows any op.
#include <ATen/core/dispatch/Dispatcher.h>

#include <sstream>
#include <vector>

#include "common.h"

namespace ll {
namespace {

struct OpEntry {
  c10::OperatorHandle handle;
  std::string label;  // "aten::add.Tensor", used in error messages
};
std::vector<OpEntry> registry;

std::string TypeName(const Napi::Value& v) {
  switch (v.Type()) {
    case napi_undefined:
      return "undefined";
    case napi_null:
      return "null";
    case napi_boolean:
      return "boolean";
    case napi_number:
      return "number";
    case napi_string:
      return "string";
    case napi_external:
      return "tensor";
    default:
      return v.IsArray() ? "array" : "object";
  }
}

[[noreturn]] void BadArg(Napi::Env env, const OpEntry& op, const c10::Argument& a, const Napi::Value& v) {
  throw Napi::TypeError::New(
      env, op.label + ": argument '" + a.name() + "' expects " + a.real_type()->str() + ", got " + TypeName(v));
}

int64_t ToInt(Napi::Env env, const OpEntry& op, const c10::Argument& a, const Napi::Value& v) {
  if (!v.IsNumber()) BadArg(env, op, a, v);
  double d = v.As<Napi::Number>().DoubleValue();
  if (d != static_cast<double>(static_cast<int64_t>(d))) {
    throw Napi::TypeError::New(env,
                               op.label + ": argument '" + a.name() + "' must be an integer, got " + std::to_string(d));
  }
  return static_cast<int64_t>(d);
}

// Converts one JavaScript value to the IValue that `type` declares.
c10::IValue Convert(Napi::Env env, const OpEntry& op, const c10::Argument& a, const c10::TypePtr& type,
                    const Napi::Value& v) {
  using K = c10::TypeKind;
  switch (type->kind()) {
    case K::TensorType:
      if (!IsTensor(env, v)) BadArg(env, op, a, v);
      return Unwrap(env, v, op.label.c_str());
    case K::OptionalType:
      if (v.IsUndefined() || v.IsNull()) return c10::IValue();
      return Convert(env, op, a, type->castRaw<c10::OptionalType>()->getElementType(), v);
    case K::IntType:
    case K::SymIntType:
      return ToInt(env, op, a, v);
    case K::FloatType:
      if (!v.IsNumber()) BadArg(env, op, a, v);
      return v.As<Napi::Number>().DoubleValue();
    case K::BoolType:
      if (!v.IsBoolean()) BadArg(env, op, a, v);
      return v.As<Napi::Boolean>().Value();
    case K::NumberType: {  // Scalar: integral numbers stay integral, as in Python
      if (v.IsBoolean()) return at::Scalar(v.As<Napi::Boolean>().Value());
      if (!v.IsNumber()) BadArg(env, op, a, v);
      double d = v.As<Napi::Number>().DoubleValue();
      if (std::isfinite(d) && d == static_cast<double>(static_cast<int64_t>(d)) && std::abs(d) < 9007199254740992.0) {
        return at::Scalar(static_cast<int64_t>(d));
      }
      return at::Scalar(d);
    }
    case K::StringType:
      if (!v.IsString()) BadArg(env, op, a, v);
      return v.As<Napi::String>().Utf8Value();
    case K::ScalarTypeType:
      if (!v.IsString()) BadArg(env, op, a, v);
      return static_cast<int64_t>(ParseDtype(env, v.As<Napi::String>().Utf8Value()));
    case K::LayoutType:
    case K::MemoryFormatType:
      return ToInt(env, op, a, v);
    case K::DeviceObjType:
      if (!v.IsString()) BadArg(env, op, a, v);
      return c10::Device(v.As<Napi::String>().Utf8Value());
    case K::GeneratorType:
      return c10::IValue();  // always the default generator, seeded by manualSeed
    case K::ListType: {
      auto elem = type->castRaw<c10::ListType>()->getElementType();
      if (!v.IsArray()) {
        // A single int stands for a repeated one (kernel_size=3 means [3, 3]); ATen expands it.
        if ((elem->kind() == K::IntType || elem->kind() == K::SymIntType) && v.IsNumber()) {
          int64_t x = ToInt(env, op, a, v);
          return c10::List<int64_t>(std::vector<int64_t>(a.N().value_or(1), x));
        }
        BadArg(env, op, a, v);
      }
      auto arr = v.As<Napi::Array>();
      uint32_t n = arr.Length();
      switch (elem->kind()) {
        case K::IntType:
        case K::SymIntType: {
          c10::List<int64_t> out;
          out.reserve(n);
          for (uint32_t i = 0; i < n; i++) out.push_back(ToInt(env, op, a, arr.Get(i)));
          return out;
        }
        case K::FloatType: {
          c10::List<double> out;
          for (uint32_t i = 0; i < n; i++) {
            Napi::Value x = arr.Get(i);
            if (!x.IsNumber()) BadArg(env, op, a, x);
            out.push_back(x.As<Napi::Number>().DoubleValue());
          }
          return out;
        }
        case K::BoolType: {
          c10::List<bool> out;
          for (uint32_t i = 0; i < n; i++) {
            Napi::Value x = arr.Get(i);
            if (!x.IsBoolean()) BadArg(env, op, a, x);
            out.push_back(x.As<Napi::Boolean>().Value());
          }
          return out;
        }
        case K::TensorType: {
          c10::List<at::Tensor> out;
          out.reserve(n);
          for (uint32_t i = 0; i < n; i++) out.push_back(Unwrap(env, arr.Get(i), op.label.c_str()));
          return out;
        }
        case K::OptionalType: {  // Tensor?[] (advanced indexing)
          c10::List<c10::optional<at::Tensor>> out;
          for (uint32_t i = 0; i < n; i++) {
            Napi::Value x = arr.Get(i);
            if (x.IsNull() || x.IsUndefined()) {
              out.push_back(c10::nullopt);
            } else {
              out.push_back(Unwrap(env, x, op.label.c_str()));
            }
          }
          return out;
        }
        default:
          break;
      }
      break;
    }
    default:
      break;
  }
  throw Napi::TypeError::New(
      env, op.label + ": argument '" + a.name() + "' has type " + type->str() + ", which latentlab cannot pass");
}

Napi::Value FromIValue(Napi::Env env, const c10::IValue& v) {
  if (v.isTensor()) return Wrap(env, v.toTensor());
  if (v.isNone()) return env.Null();
  if (v.isDouble()) return Napi::Number::New(env, v.toDouble());
  if (v.isInt()) return Napi::Number::New(env, static_cast<double>(v.toInt()));
  if (v.isBool()) return Napi::Boolean::New(env, v.toBool());
  if (v.isScalar()) {
    auto s = v.toScalar();
    if (s.isBoolean()) return Napi::Boolean::New(env, s.toBool());
    return Napi::Number::New(env, s.toDouble());
  }
  if (v.isTensorList()) {
    auto list = v.toTensorList();
    auto arr = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); i++) arr.Set(i, Wrap(env, list.get(i)));
    return arr;
  }
  if (v.isIntList()) {
    auto list = v.toIntList();
    auto arr = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); i++) arr.Set(i, Napi::Number::New(env, list.get(i)));
    return arr;
  }
  if (v.isString()) return Napi::String::New(env, v.toStringRef());
  throw Napi::TypeError::New(env, "latentlab cannot return a value of type " + v.tagKind());
}

std::string DescribeArgs(Napi::Env env, const c10::FunctionSchema& s, const Napi::CallbackInfo& info) {
  std::ostringstream out;
  bool first = true;
  for (size_t i = 0; i < s.arguments().size() && i + 1 < info.Length(); i++) {
    const Napi::Value& v = info[i + 1];
    if (!IsTensor(env, v)) continue;
    auto box = v.As<Napi::External<TensorBox>>().Data();
    out << (first ? "" : ", ") << s.arguments()[i].name() << "=" << Describe(box->t);
    first = false;
  }
  return out.str();
}

// op(name, overload) -> integer handle for call(); throws if no such op exists.
Napi::Value Op(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>();
  std::string overload = info.Length() > 1 ? info[1].As<Napi::String>().Utf8Value() : "";
  auto h = c10::Dispatcher::singleton().findSchema({name, overload});
  if (!h) {
    throw Napi::Error::New(env,
                           "no ATen operator " + name + (overload.empty() ? "" : "." + overload) + " in this libtorch");
  }
  registry.push_back({*h, name + (overload.empty() ? "" : "." + overload)});
  return Napi::Number::New(env, static_cast<double>(registry.size() - 1));
}

c10::OperatorHandle& Lookup(const Napi::CallbackInfo& info, size_t& idx) {
  idx = info[0].As<Napi::Number>().Uint32Value();
  if (idx >= registry.size()) throw Napi::RangeError::New(info.Env(), "bad op handle");
  return registry[idx].handle;
}

// Runs op `idx` with JS arguments info[1..]; leaves the results on `stack`.
void Run(const Napi::CallbackInfo& info, size_t idx, torch::jit::Stack& stack) {
  Napi::Env env = info.Env();
  const OpEntry& op = registry[idx];
  const auto& schema = op.handle.schema();
  const auto& args = schema.arguments();
  if (info.Length() - 1 > args.size()) {
    throw Napi::TypeError::New(env, op.label + ": takes " + std::to_string(args.size()) + " arguments, got " +
                                        std::to_string(info.Length() - 1));
  }
  stack.reserve(args.size());
  for (size_t i = 0; i < args.size(); i++) {
    Napi::Value v = i + 1 < info.Length() ? info[i + 1] : env.Undefined();
    if (v.IsUndefined() && args[i].default_value()) {
      stack.push_back(*args[i].default_value());
    } else if (v.IsUndefined() && args[i].real_type()->kind() != c10::TypeKind::OptionalType) {
      throw Napi::TypeError::New(env, op.label + ": missing argument '" + args[i].name() + "'");
    } else {
      stack.push_back(Convert(env, op, args[i], args[i].real_type(), v));
    }
  }
  try {
    op.handle.callBoxed(&stack);
  } catch (const c10::Error& e) {
    std::string shapes = DescribeArgs(env, schema, info);
    ThrowError(env, op.label + ": " + e.what_without_backtrace() + (shapes.empty() ? "" : " (inputs: " + shapes + ")"));
  }
}

// call(handle, ...args) -> a tensor, a number, null, or an array for several results.
Napi::Value Call(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t idx;
  Lookup(info, idx);
  torch::jit::Stack stack;
  LL_GUARD(env, registry[idx].label, {
    Run(info, idx, stack);
    if (stack.size() == 1) return FromIValue(env, stack[0]);
    if (stack.empty()) return env.Undefined();
    auto arr = Napi::Array::New(env, stack.size());
    for (size_t i = 0; i < stack.size(); i++) arr.Set(i, FromIValue(env, stack[i]));
    return arr;
  })
  return env.Undefined();
}

// callVoid(handle, ...args): for in-place ops, whose result is an argument the caller holds.
Napi::Value CallVoid(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t idx;
  Lookup(info, idx);
  torch::jit::Stack stack;
  LL_GUARD(env, registry[idx].label, { Run(info, idx, stack); })
  return env.Undefined();
}

Napi::Value Schema(const Napi::CallbackInfo& info) {
  size_t idx;
  Lookup(info, idx);
  std::ostringstream out;
  out << registry[idx].handle.schema();
  return Napi::String::New(info.Env(), out.str());
}

// Every operator name the dispatcher knows, as "name.overload" (a source for typings).
Napi::Value ListOps(const Napi::CallbackInfo& info) {
  auto names = c10::Dispatcher::singleton().getAllOpNames();
  auto arr = Napi::Array::New(info.Env(), names.size());
  for (size_t i = 0; i < names.size(); i++) {
    const auto& n = names[i];
    arr.Set(i, n.overload_name.empty() ? n.name : n.name + "." + n.overload_name);
  }
  return arr;
}

}  // namespace

void InitOps(Napi::Env env, Napi::Object exports) {
  exports.Set("op", Napi::Function::New(env, Op));
  exports.Set("call", Napi::Function::New(env, Call));
  exports.Set("callVoid", Napi::Function::New(env, CallVoid));
  exports.Set("schema", Napi::Function::New(env, Schema));
  exports.Set("listOps", Napi::Function::New(env, ListOps));
}

}  // namespace ll
