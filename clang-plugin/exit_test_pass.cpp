#include "exit_test_pass.h"

#include "unwind_pass.h"

#include "clang/Basic/Version.h"
#include "clang/Frontend/CompilerInstance.h"

#if CLANG_VERSION_MAJOR >= 17
#include "clang/Basic/CodeGenOptions.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/Metadata.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/PassManager.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Transforms/Utils/BasicBlockUtils.h"
#include "llvm/Transforms/Utils/Cloning.h"
#endif

namespace autospan::plugin {

#if CLANG_VERSION_MAJOR >= 17
namespace {

using namespace llvm;

constexpr StringRef ExitName = "autospan_exit_v2";
constexpr StringRef TagName = "autospan.exit";

// The helper's own call of autospan_exit_v2 (its body: `if (*token) autospan_exit_v2(*token);`),
// or null when the body is not that shape (then nothing is changed).
CallInst* runtimeExitCall(Function& Helper) {
  CallInst* Found = nullptr;
  for (BasicBlock& BB : Helper)
    for (Instruction& I : BB)
      if (auto* Call = dyn_cast<CallInst>(&I)) {
        const Function* Callee = Call->getCalledFunction();
        if (Callee == nullptr || Callee->getName() != ExitName || Found != nullptr)
          return nullptr;
        Found = Call;
      }
  return Found;
}

// The calls of F (collected first: the callers replace or inline them).
SmallVector<CallInst*, 64> directCalls(Function& F) {
  SmallVector<CallInst*, 64> Calls;
  for (User* U : F.users())
    if (auto* Call = dyn_cast<CallInst>(U); Call && Call->getCalledFunction() == &F)
      Calls.push_back(Call);
  return Calls;
}

// Start of the pipeline: `helper(&token)` becomes `autospan_exit_v2(token)`, tagged.
class UnconditionalExits : public PassInfoMixin<UnconditionalExits> {
public:
  PreservedAnalyses run(Module& M, ModuleAnalysisManager&) {
    bool Changed = false;
    const unsigned Tag = M.getContext().getMDKindID(TagName);
    for (const char* Name : ExitHelperNames) {
      Function* Helper = M.getFunction(Name);
      if (Helper == nullptr || Helper->isDeclaration())
        continue;
      CallInst* Inner = runtimeExitCall(*Helper);
      if (Inner == nullptr)
        continue;
      const SmallVector<CallInst*, 64> Calls = directCalls(*Helper);
      for (CallInst* Call : Calls) {
        IRBuilder<> B(Call);
        LoadInst* Token = B.CreateLoad(B.getPtrTy(), Call->getArgOperand(0), "autospan.token");
        CallInst* Exit = B.CreateCall(Inner->getFunctionType(), Inner->getCalledOperand(), {Token});
        Exit->setCallingConv(Inner->getCallingConv());
        Exit->setAttributes(Inner->getAttributes());
        Exit->setDoesNotThrow();
        Exit->setDebugLoc(Call->getDebugLoc());
        Exit->setMetadata(Tag, MDNode::get(M.getContext(), {}));
        Call->eraseFromParent();
        Changed = true;
      }
    }
    return Changed ? PreservedAnalyses::none() : PreservedAnalyses::all();
  }
  static bool isRequired() { return true; }
};

// End of the optimisation pipeline: `if (token) autospan_exit_v2(token)` again.
class RestoreExitTests : public PassInfoMixin<RestoreExitTests> {
public:
  PreservedAnalyses run(Module& M, ModuleAnalysisManager&) {
    Function* Exit = M.getFunction(ExitName);
    if (Exit == nullptr)
      return PreservedAnalyses::all();
    const unsigned Tag = M.getContext().getMDKindID(TagName);
    SmallVector<CallInst*, 64> Calls;
    for (User* U : Exit->users())
      if (auto* Call = dyn_cast<CallInst>(U);
          Call && Call->getCalledFunction() == Exit && Call->getMetadata(Tag) != nullptr)
        Calls.push_back(Call);
    for (CallInst* Call : Calls) {
      Call->setMetadata(Tag, nullptr);
      Value* Token = Call->getArgOperand(0);
      if (isa<ConstantPointerNull>(Token)) {
        Call->eraseFromParent();
        continue;
      }
      IRBuilder<> B(Call);
      B.SetCurrentDebugLocation(Call->getDebugLoc());
      Value* Live = B.CreateIsNotNull(Token, "autospan.live");
      BasicBlock* Head = Call->getParent();
      Instruction* Then = SplitBlockAndInsertIfThen(Live, Call, /*Unreachable=*/false);
      Head->getTerminator()->setDebugLoc(Call->getDebugLoc()); // the new conditional branch
      Then->setDebugLoc(Call->getDebugLoc());
      Call->moveBefore(Then);
    }
    return Calls.empty() ? PreservedAnalyses::all() : PreservedAnalyses::none();
  }
  static bool isRequired() { return true; }
};

// A function this small that calls nothing but the runtime runs for a few nanoseconds: a call of
// the entry helper that the runtime refuses (disabled, sampled out) is a large share of a call of
// it. Instructions as the optimiser leaves them, the instrumentation's (the helper's call and
// the unconditional exit) included: a tiny function that returns its argument plus one has 4.
constexpr unsigned SmallLeafInstructions = 16;

// Whether F calls nothing but the runtime (the entry helpers, autospan_exit_v2) and intrinsics,
// has at most SmallLeafInstructions instructions, and is not optimised for size (-Os, -Oz: the
// call is the smaller code).
bool isSmallLeaf(const Function& F, ArrayRef<Function*> Helpers) {
  if (F.getInstructionCount() > SmallLeafInstructions || F.hasOptSize())
    return false;
  for (const BasicBlock& BB : F)
    for (const Instruction& I : BB) {
      const auto* Call = dyn_cast<CallBase>(&I);
      if (Call == nullptr || Call->isInlineAsm() || isa<IntrinsicInst>(Call))
        continue;
      const Function* Callee = Call->getCalledFunction();
      if (!isa<CallInst>(Call) || Callee == nullptr ||
          (Callee->getName() != ExitName && !llvm::is_contained(Helpers, Callee)))
        return false;
    }
  return true;
}

// End of the optimisation pipeline: the entry helper inlined into the calls of it in small leaf
// functions (isSmallLeaf), and with `inline-checks` into every call of it. Not earlier: in the
// optimiser every instrumented function, and every inlined copy of one, would carry the tests
// through every pass. The helper's own call of the runtime is a guaranteed tail call when the
// runtime unwinds (it records its caller's stack pointer); inlined, it is a direct call from the
// instrumented function, which records the same.
class InlineEnterTests : public PassInfoMixin<InlineEnterTests> {
public:
  explicit InlineEnterTests(bool All) : All(All) {}

  PreservedAnalyses run(Module& M, ModuleAnalysisManager&) {
    SmallVector<Function*, 2> Helpers;
    for (const char* Name : EnterHelperNames)
      if (Function* Helper = M.getFunction(Name); Helper && !Helper->isDeclaration())
        Helpers.push_back(Helper);
    if (Helpers.empty())
      return PreservedAnalyses::all();
    // Which calls, decided for every caller before any of them changes.
    SmallVector<CallInst*, 64> Calls;
    for (Function* Helper : Helpers)
      Calls.append(directCalls(*Helper));
    if (!All) {
      DenseMap<const Function*, bool> Small;
      for (CallInst* Call : Calls) {
        const Function* Caller = Call->getFunction();
        if (auto [It, New] = Small.try_emplace(Caller, false); New)
          It->second = isSmallLeaf(*Caller, Helpers);
      }
      llvm::erase_if(Calls, [&](CallInst* Call) { return !Small.lookup(Call->getFunction()); });
    }
    bool Changed = false;
    for (CallInst* Call : Calls) {
      InlineFunctionInfo IFI;
      Changed |= InlineFunction(*Call, IFI).isSuccess();
    }
    for (Function* Helper : Helpers)
      if (Helper->use_empty() && Helper->isDiscardableIfUnused()) {
        Helper->eraseFromParent();
        Changed = true;
      }
    return Changed ? PreservedAnalyses::none() : PreservedAnalyses::all();
  }
  static bool isRequired() { return true; }

private:
  bool All;
};

void warnNoEffect(clang::CompilerInstance& CI, llvm::StringRef Why) {
  clang::DiagnosticsEngine& Diags = CI.getDiagnostics();
  const unsigned ID = Diags.getCustomDiagID(clang::DiagnosticsEngine::Warning,
                                            "autospan: argument 'inline-checks' has no effect %0");
  Diags.Report(ID) << Why;
}

} // namespace

bool registerExitTestPass(clang::CompilerInstance& CI, bool InlineChecks) {
  const clang::LangOptions& LO = CI.getLangOpts();
  clang::CodeGenOptions& CG = CI.getCodeGenOpts();
  if (InlineChecks && LO.CPlusPlus && CG.OptimizationLevel != 0 &&
      (CG.PrepareForLTO || CG.PrepareForThinLTO))
    warnNoEffect(CI, "with -flto (the link-time optimiser does not load the plugin)");
  if (!LO.CPlusPlus || CG.OptimizationLevel == 0 || CG.PrepareForLTO || CG.PrepareForThinLTO)
    return false;
  CG.PassBuilderCallbacks.emplace_back([InlineChecks](PassBuilder& PB) {
    PB.registerPipelineStartEPCallback([](ModulePassManager& MPM, OptimizationLevel Level) {
      if (Level != OptimizationLevel::O0)
        MPM.addPass(UnconditionalExits());
    });
    PB.registerOptimizerLastEPCallback(
        [InlineChecks](ModulePassManager& MPM, OptimizationLevel Level) {
          if (Level == OptimizationLevel::O0)
            return;
          MPM.addPass(InlineEnterTests(InlineChecks));
          MPM.addPass(RestoreExitTests());
        });
  });
  return true;
}

#else

bool registerExitTestPass(clang::CompilerInstance& CI, bool InlineChecks) {
  if (InlineChecks && CI.getCodeGenOpts().OptimizationLevel != 0) {
    clang::DiagnosticsEngine& Diags = CI.getDiagnostics();
    const unsigned ID =
        Diags.getCustomDiagID(clang::DiagnosticsEngine::Warning,
                              "autospan: argument 'inline-checks' has no effect before Clang 17");
    Diags.Report(ID);
  }
  return false;
}

#endif

} // namespace autospan::plugin
