#include "unwind_pass.h"

#include "clang/Basic/Version.h"
#include "clang/Frontend/CompilerInstance.h"

#if CLANG_VERSION_MAJOR >= 17
#include "clang/Basic/CodeGenOptions.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/PassManager.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Transforms/Utils/Local.h"
#endif

namespace autospan::plugin {

#if CLANG_VERSION_MAJOR >= 17
namespace {

using namespace llvm;

constexpr StringRef UnwoundName = "autospan_unwound_v2";
constexpr StringRef MarkName = "autospan_unwind_mark_v2";
constexpr StringRef UnwindToName = "autospan_unwind_to_v2";
constexpr StringRef UnwoundBelowName = "autospan_unwound_below_v2";
constexpr StringRef BeginCatchName = "__cxa_begin_catch";
// Landing pads and cleanup chains are short; a search that goes further gives up (conservative:
// the exit stays).
constexpr unsigned MaxSearchBlocks = 4096;

bool callsBeginCatch(const BasicBlock& BB) {
  for (const Instruction& I : BB)
    if (const auto* CB = dyn_cast<CallBase>(&I))
      if (const Function* Callee = CB->getCalledFunction())
        if (Callee->getName() == BeginCatchName)
          return true;
  return false;
}

// The one search the step makes: from From along every successor, whether a block Match accepts
// is reached, not going past blocks Stop accepts. A search that meets more than MaxSearchBlocks
// blocks answers OnLimit (the answer that changes nothing).
template <class MatchFn, class StopFn>
bool reaches(const BasicBlock* From, MatchFn Match, StopFn Stop, bool OnLimit) {
  SmallVector<const BasicBlock*, 16> Work{From};
  SmallPtrSet<const BasicBlock*, 32> Seen{From};
  while (!Work.empty()) {
    const BasicBlock* BB = Work.pop_back_val();
    if (Match(*BB))
      return true;
    if (Stop(*BB))
      continue;
    for (const BasicBlock* S : successors(BB))
      if (Seen.insert(S).second) {
        if (Seen.size() > MaxSearchBlocks)
          return OnLimit;
        Work.push_back(S);
      }
  }
  return false;
}

const auto Never = [](const BasicBlock&) { return false; };

// Whether a `ret` can be reached from From. A copy of the exit from which none can is the
// unwinding one: after it come other cleanups and `resume` (or `unreachable`).
bool reachesReturn(const BasicBlock* From) {
  return reaches(
      From, [](const BasicBlock& BB) { return isa<ReturnInst>(BB.getTerminator()); }, Never,
      /*OnLimit=*/true);
}

// Whether unwinding into Pad reaches one of Targets before any catch handler starts: the landing
// pad belongs to the token's scope.
bool padReaches(const BasicBlock* Pad, const SmallPtrSetImpl<const BasicBlock*>& Targets) {
  return reaches(
      Pad, [&](const BasicBlock& BB) { return Targets.count(&BB) != 0; }, callsBeginCatch,
      /*OnLimit=*/false);
}

// Whether a block only moves an exception towards `resume`: a cleanup-only landing pad, copies
// through allocas, unconditional branches, lifetime and debug intrinsics.
bool onlyMovesException(const BasicBlock& BB) {
  for (const Instruction& I : BB) {
    if (const auto* LP = dyn_cast<LandingPadInst>(&I)) {
      if (!LP->isCleanup() || LP->getNumClauses() != 0)
        return false;
    } else if (const auto* Br = dyn_cast<BranchInst>(&I)) {
      if (Br->isConditional())
        return false;
    } else if (const auto* St = dyn_cast<StoreInst>(&I)) {
      if (!isa<AllocaInst>(St->getPointerOperand()->stripPointerCasts()))
        return false;
    } else if (const auto* II = dyn_cast<IntrinsicInst>(&I)) {
      if (!II->isLifetimeStartOrEnd() && !isa<DbgInfoIntrinsic>(II))
        return false;
    } else if (!isa<ExtractValueInst>(I) && !isa<InsertValueInst>(I) && !isa<LoadInst>(I) &&
               !isa<PHINode>(I) && !isa<ResumeInst>(I)) {
      return false;
    }
  }
  return true;
}

// Whether everything unwinding into Pad does is to resume. Such a pad can go, and the calls that
// unwind to it can be plain calls: the exception then leaves the function directly.
bool onlyResumes(const BasicBlock* Pad) {
  return !reaches(
      Pad, [](const BasicBlock& BB) { return !onlyMovesException(BB); }, Never,
      /*OnLimit=*/true);
}

struct RuntimeCalls {
  FunctionCallee Unwound;      // void autospan_unwound_v2(void* token)
  FunctionCallee Mark;         // void* autospan_unwind_mark_v2(void)
  FunctionCallee UnwindTo;     // void autospan_unwind_to_v2(void* mark)
  FunctionCallee UnwoundBelow; // void autospan_unwound_below_v2(void)
};

void callUnwound(FunctionCallee Unwound, LandingPadInst* LP, Value* TokenSlot) {
  IRBuilder<> B(LP->getParent(), std::next(LP->getIterator()));
  CallInst* Call = B.CreateCall(Unwound, {B.CreateLoad(B.getPtrTy(), TokenSlot, "autospan.token")});
  Call->setDoesNotThrow();
  if (DISubprogram* SP = LP->getFunction()->getSubprogram())
    Call->setDebugLoc(DILocation::get(SP->getContext(), 0, 0, SP));
}

// Whether Pad already calls autospan_unwound_v2 (endFramesAtCatches put it there).
bool callsUnwound(const BasicBlock& Pad, FunctionCallee Unwound) {
  for (const Instruction& I : Pad)
    if (const auto* Call = dyn_cast<CallInst>(&I);
        Call && Call->getCalledOperand() == Unwound.getCallee())
      return true;
  return false;
}

// The landing pads with a catch clause in an instrumented function, in the token's scope: the
// handler runs in this function's frame, so the frames the exception left end first. The
// runtime's __cxa_begin_catch hook ends frames by stack address, which cannot tell this frame from
// instrumented code inlined into it (an inlined copy shares the stack frame); the token's depth
// can. A pad that an invoke reaches before the token is set (a constructor's member initialisers
// in a function-try-block) is left to the hook. Returns whether it changed F.
bool endFramesAtCatches(Function& F, Value* TokenSlot, FunctionCallee Unwound) {
  SmallVector<LandingPadInst*, 4> Catches;
  for (BasicBlock& BB : F)
    if (auto* LP = dyn_cast<LandingPadInst>(BB.getFirstNonPHI()))
      for (unsigned I = 0, N = LP->getNumClauses(); I < N; ++I)
        if (LP->isCatch(I)) {
          Catches.push_back(LP);
          break;
        }
  if (Catches.empty())
    return false;
  const StoreInst* Init = nullptr;
  for (const User* U : TokenSlot->users())
    if (const auto* St = dyn_cast<StoreInst>(U); St && St->getPointerOperand() == TokenSlot) {
      if (Init != nullptr)
        return false; // not the injected shape (one store): leave it to the hook
      Init = St;
    }
  if (Init == nullptr)
    return false;
  DominatorTree DT(F);
  bool Changed = false;
  for (LandingPadInst* LP : Catches) {
    bool AfterInit = true;
    for (BasicBlock* Pred : predecessors(LP->getParent()))
      AfterInit &= DT.dominates(Init, Pred->getTerminator());
    if (AfterInit) {
      callUnwound(Unwound, LP, TokenSlot);
      Changed = true;
    }
  }
  return Changed;
}

// An instrumented function: takes its unwinding exits off. Returns whether it changed.
bool rewriteInstrumented(Function& F, ArrayRef<CallInst*> Exits, FunctionCallee Unwound) {
  Value* TokenSlot = Exits.front()->getArgOperand(0);
  const bool Caught = endFramesAtCatches(F, TokenSlot, Unwound);
  SmallVector<CallInst*, 4> Unwinding;
  for (CallInst* Exit : Exits)
    if (!reachesReturn(Exit->getParent()))
      Unwinding.push_back(Exit);
  if (Unwinding.empty())
    return Caught;
  SmallPtrSet<const BasicBlock*, 8> ExitBlocks;
  for (CallInst* Exit : Unwinding)
    ExitBlocks.insert(Exit->getParent());
  SmallVector<LandingPadInst*, 8> Pads;
  for (BasicBlock& BB : F)
    if (auto* LP = dyn_cast<LandingPadInst>(BB.getFirstNonPHI());
        LP && !callsUnwound(BB, Unwound) && padReaches(&BB, ExitBlocks))
      Pads.push_back(LP);
  for (CallInst* Exit : Unwinding)
    Exit->eraseFromParent();

  bool Removed = false;
  for (LandingPadInst* LP : Pads) {
    BasicBlock* PadBlock = LP->getParent();
    if (!onlyResumes(PadBlock)) {
      callUnwound(Unwound, LP, TokenSlot);
      continue;
    }
    SmallVector<InvokeInst*, 8> Invokes;
    for (BasicBlock* Pred : predecessors(PadBlock))
      if (auto* II = dyn_cast<InvokeInst>(Pred->getTerminator());
          II && II->getUnwindDest() == PadBlock)
        Invokes.push_back(II);
    for (InvokeInst* II : Invokes)
      changeToCall(II);
    Removed = true;
  }
  if (Removed)
    removeUnreachableBlocks(F);
  return true;
}

// A function that is not instrumented but calls instrumented code. Its landing pads that have work
// (destructors, handlers) start by ending the frames unwinding left:
//   - with optimisation, pads with a catch clause: every frame entered since the depth it notes on
//     entry (instrumented code inlined here shares its stack frame: only the depth tells);
//   - the others: the frames whose caller's stack pointer is below this function's
//     (autospan_unwound_below_v2), so that a destructor running here is not taken for a child of
//     the frames already left.
bool rewriteCaller(Function& F, const RuntimeCalls& R, bool Inlines) {
  SmallVector<LandingPadInst*, 4> Pads;
  bool AnyCatch = false;
  for (BasicBlock& BB : F)
    if (auto* LP = dyn_cast<LandingPadInst>(BB.getFirstNonPHI()); LP && !onlyResumes(&BB)) {
      Pads.push_back(LP);
      AnyCatch |= LP->getNumClauses() != 0;
    }
  if (Pads.empty())
    return false;
  DebugLoc Loc;
  if (DISubprogram* SP = F.getSubprogram())
    Loc = DILocation::get(SP->getContext(), 0, 0, SP);
  CallInst* MarkValue = nullptr;
  if (Inlines && AnyCatch) {
    IRBuilder<> B(&*F.getEntryBlock().getFirstInsertionPt());
    MarkValue = B.CreateCall(R.Mark, {}, "autospan.mark");
    MarkValue->setDoesNotThrow();
    MarkValue->setDebugLoc(Loc);
  }
  for (LandingPadInst* LP : Pads) {
    IRBuilder<> P(LP->getParent(), std::next(LP->getIterator()));
    CallInst* Call = MarkValue && LP->getNumClauses() != 0 ? P.CreateCall(R.UnwindTo, {MarkValue})
                                                           : P.CreateCall(R.UnwoundBelow, {});
    Call->setDoesNotThrow();
    Call->setDebugLoc(Loc);
  }
  return true;
}

FunctionCallee declareRuntime(Module& M, StringRef Name, Type* Ret, ArrayRef<Type*> Params) {
  FunctionCallee Callee = M.getOrInsertFunction(Name, FunctionType::get(Ret, Params, false));
  if (auto* Fn = dyn_cast<Function>(Callee.getCallee()))
    Fn->setDoesNotThrow();
  return Callee;
}

class UnwindPass : public PassInfoMixin<UnwindPass> {
public:
  explicit UnwindPass(bool Inlines) : Inlines(Inlines) {}

  PreservedAnalyses run(Module& M, ModuleAnalysisManager&) {
    DenseMap<Function*, SmallVector<CallInst*, 2>> Exits;
    for (StringRef Name : ExitHelperNames)
      if (Function* Helper = M.getFunction(Name))
        for (User* U : Helper->users())
          if (auto* Call = dyn_cast<CallInst>(U); Call && Call->getCalledFunction() == Helper)
            Exits[Call->getFunction()].push_back(Call);
    if (Exits.empty())
      return PreservedAnalyses::all();

    LLVMContext& C = M.getContext();
    Type* Void = Type::getVoidTy(C);
    Type* Ptr = PointerType::get(C, 0);
    RuntimeCalls R{declareRuntime(M, UnwoundName, Void, {Ptr}),
                   declareRuntime(M, MarkName, Ptr, {}),
                   declareRuntime(M, UnwindToName, Void, {Ptr}),
                   declareRuntime(M, UnwoundBelowName, Void, {})};

    // Every function that calls an instrumented one, directly or through others defined here.
    SmallPtrSet<Function*, 32> Reaching;
    SmallVector<Function*, 64> Work;
    for (auto& Entry : Exits) {
      Reaching.insert(Entry.first);
      Work.push_back(Entry.first);
    }
    while (!Work.empty()) {
      Function* Callee = Work.pop_back_val();
      for (User* U : Callee->users())
        if (auto* CB = dyn_cast<CallBase>(U); CB && CB->getCalledFunction() == Callee)
          if (Function* Caller = CB->getFunction(); Reaching.insert(Caller).second)
            Work.push_back(Caller);
    }

    bool Changed = false;
    for (Function* F : Reaching) {
      // Itanium C++ landing pads only; coroutines are left alone (the plugin never instruments
      // them, and a depth noted on entry means nothing after a resumption).
      if (F->isDeclaration() || !F->hasPersonalityFn() || F->isPresplitCoroutine() ||
          F->getPersonalityFn()->stripPointerCasts()->getName() != "__gxx_personality_v0")
        continue;
      auto It = Exits.find(F);
      if (It != Exits.end())
        Changed |= rewriteInstrumented(*F, It->second, R.Unwound);
      else
        Changed |= rewriteCaller(*F, R, Inlines);
    }
    for (FunctionCallee Callee : {R.Unwound, R.Mark, R.UnwindTo, R.UnwoundBelow})
      if (auto* Fn = dyn_cast<Function>(Callee.getCallee());
          Fn && Fn->isDeclaration() && Fn->use_empty())
        Fn->eraseFromParent();
    return Changed ? PreservedAnalyses::none() : PreservedAnalyses::all();
  }
  static bool isRequired() { return true; } // at -O0 and on optnone functions too

private:
  bool Inlines;
};

} // namespace

bool unwindPassAvailable() {
  return true;
}

bool registerUnwindPass(clang::CompilerInstance& CI) {
  const clang::LangOptions& LO = CI.getLangOpts();
  if (!LO.CPlusPlus || !LO.CXXExceptions)
    return false;
  CI.getCodeGenOpts().PassBuilderCallbacks.emplace_back([](PassBuilder& PB) {
    PB.registerPipelineStartEPCallback([](ModulePassManager& MPM, OptimizationLevel Level) {
      MPM.addPass(UnwindPass(Level != OptimizationLevel::O0));
    });
  });
  return true;
}

#else

bool unwindPassAvailable() {
  return false;
}
bool registerUnwindPass(clang::CompilerInstance&) {
  return false;
}

#endif

} // namespace autospan::plugin
