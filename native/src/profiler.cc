// The native half of the step profiler: libtorch's autograd profiler switched on and off, named
// user ranges (the phases of a training step), and what was recorded handed back as plain arrays.
// Kineto is not in every libtorch: Debian's 1.13 links no libkineto (ProfilerResult::save says it
// needs USE_KINETO), so this uses the legacy autograd profiler, which every libtorch has. It
// records a push and a pop with a CPU timestamp for every at::RecordFunction on the thread that
// enabled it: each ATen operator, each autograd node of a backward pass, each user range. Here the
// pushes and pops are paired into ranges with their parents; src/train/profile*.ts makes the
// trace, the self times and the tables. Nothing here knows a model.
#include <ATen/record_function.h>
#include <torch/csrc/autograd/profiler_legacy.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common.h"

namespace ll {
namespace {

namespace prof = torch::autograd::profiler;

bool running = false;
// The open user ranges, innermost last: a RecordFunction lives from its push to its pop.
std::vector<std::unique_ptr<at::RecordFunction>> open_ranges;

const char* ScopeName(uint8_t scope) {
  switch (static_cast<at::RecordScope>(scope)) {
    case at::RecordScope::FUNCTION:
      return "operator";
    case at::RecordScope::BACKWARD_FUNCTION:
      return "backward";
    case at::RecordScope::USER_SCOPE:
      return "user";
    default:
      return "other";
  }
}

Napi::Value ProfilerStart(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (running) throw Napi::Error::New(env, "profilerStart: the profiler is already running");
  LL_GUARD(env, "profilerStart", {
    // CPU timestamps only: no input shapes, memory, stacks or FLOPs (each would add to every op's cost).
    prof::enableProfilerLegacy(prof::ProfilerConfig(prof::ProfilerState::CPU));
    running = true;
  })
  return env.Undefined();
}

// The same as torch.autograd.profiler.record_function: a RecordFunction of the user scope.
Napi::Value ProfilerRangePush(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "profilerRangePush: the range needs a name (a string)");
  if (!running) throw Napi::Error::New(env, "profilerRangePush: the profiler is not running");
  std::string name = info[0].As<Napi::String>();
  LL_GUARD(env, "profilerRangePush", {
    auto range = std::make_unique<at::RecordFunction>(at::RecordScope::USER_SCOPE);
    if (range->isActive()) range->before(std::move(name));
    open_ranges.push_back(std::move(range));
  })
  return env.Undefined();
}

Napi::Value ProfilerRangePop(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (open_ranges.empty()) throw Napi::Error::New(env, "profilerRangePop: no range is open");
  LL_GUARD(env, "profilerRangePop", {
    std::unique_ptr<at::RecordFunction> range = std::move(open_ranges.back());
    open_ranges.pop_back();
    range->end();
  })
  return env.Undefined();
}

// One recorded range: its push and pop events (no pop: still running at the stop) and its parent.
struct Range {
  const prof::LegacyEvent* push;
  const prof::LegacyEvent* pop;
  int64_t parent;
};

// Pairs each thread's pushes and pops (a pop carries its push's handle and lands in the push's
// thread list) and returns the ranges in order of their start, parents before their children.
// Times are differences of the events' integer nanoseconds: as a double, a timestamp since 1970
// in microseconds keeps only a quarter of one.
Napi::Value Collect(Napi::Env env, const prof::thread_event_lists& lists) {
  const prof::LegacyEvent* start = nullptr;
  const prof::LegacyEvent* stop = nullptr;
  for (const auto& list : lists) {
    for (const auto& e : list) {
      if (e.kind() != prof::EventKind::Mark) continue;
      if (std::string(e.name()) == "__start_profile") start = &e;
      if (std::string(e.name()) == "__stop_profile") stop = &e;
    }
  }
  if (!start || !stop) ThrowError(env, "profilerStop: the profiler's start or stop mark is missing");
  std::vector<Range> ranges;
  for (const auto& list : lists) {
    std::vector<int64_t> stack;
    std::unordered_map<at::RecordFunctionHandle, int64_t> open;
    for (const auto& e : list) {
      if (e.kind() == prof::EventKind::PushRange) {
        int64_t index = static_cast<int64_t>(ranges.size());
        ranges.push_back({&e, nullptr, stack.empty() ? -1 : stack.back()});
        stack.push_back(index);
        open[e.handle()] = index;
      } else if (e.kind() == prof::EventKind::PopRange) {
        auto it = open.find(e.handle());
        if (it == open.end()) continue;  // pushed before the profiler started
        ranges[it->second].pop = &e;
        // Ranges close innermost first; an out-of-order pop (an async range) leaves the others open.
        for (size_t i = stack.size(); i-- > 0;) {
          if (stack[i] == it->second) {
            stack.erase(stack.begin() + static_cast<std::ptrdiff_t>(i));
            break;
          }
        }
        open.erase(it);
      }
    }
  }
  size_t n = ranges.size();
  auto names = Napi::Array::New(env, n);
  auto scopes = Napi::Array::New(env, n);
  auto threads = Napi::Float64Array::New(env, n);
  auto starts = Napi::Float64Array::New(env, n);
  auto ends = Napi::Float64Array::New(env, n);
  auto parents = Napi::Float64Array::New(env, n);
  for (size_t i = 0; i < n; i++) {
    const Range& r = ranges[i];
    names.Set(static_cast<uint32_t>(i), r.push->name());
    scopes.Set(static_cast<uint32_t>(i), ScopeName(r.push->scope()));
    threads[i] = static_cast<double>(r.push->threadId());
    starts[i] = start->cpuElapsedUs(*r.push);
    // A range still running when the profiler stopped (on another thread) ends at the stop.
    ends[i] = start->cpuElapsedUs(r.pop ? *r.pop : *stop);
    parents[i] = static_cast<double>(r.parent);
  }
  auto out = Napi::Object::New(env);
  out.Set("profiler", "legacy");
  out.Set("durationUs", start->cpuElapsedUs(*stop));
  out.Set("names", names);
  out.Set("scopes", scopes);
  out.Set("threads", threads);
  out.Set("startUs", starts);
  out.Set("endUs", ends);
  out.Set("parents", parents);
  return out;
}

Napi::Value ProfilerStop(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!running) throw Napi::Error::New(env, "profilerStop: the profiler is not running");
  LL_GUARD(env, "profilerStop", {
    // Ranges left open (a step that threw) end here, before the profiler's callbacks go.
    while (!open_ranges.empty()) {
      std::unique_ptr<at::RecordFunction> range = std::move(open_ranges.back());
      open_ranges.pop_back();
      range->end();
    }
    running = false;
    prof::thread_event_lists lists = prof::disableProfilerLegacy();
    return Collect(env, lists);
  })
  return env.Undefined();
}

Napi::Value ProfilerRunning(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), running); }

}  // namespace

void InitProfiler(Napi::Env env, Napi::Object exports) {
  exports.Set("profilerStart", Napi::Function::New(env, ProfilerStart));
  exports.Set("profilerRangePush", Napi::Function::New(env, ProfilerRangePush));
  exports.Set("profilerRangePop", Napi::Function::New(env, ProfilerRangePop));
  exports.Set("profilerStop", Napi::Function::New(env, ProfilerStop));
  exports.Set("profilerRunning", Napi::Function::New(env, ProfilerRunning));
}

}  // namespace ll
