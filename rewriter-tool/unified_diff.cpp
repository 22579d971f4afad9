#include "unified_diff.h"

#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <vector>

namespace autospan::rewriter {
namespace {

constexpr unsigned Context = 3;

// Line I of a text is [Starts[I], Starts[I + 1]); the last entry is the text's size.
std::vector<unsigned> lineStarts(llvm::StringRef Text) {
  std::vector<unsigned> Starts{0};
  for (unsigned I = 0; I < Text.size(); ++I)
    if (Text[I] == '\n' && I + 1 < Text.size())
      Starts.push_back(I + 1);
  if (Text.empty())
    Starts.clear();
  Starts.push_back(static_cast<unsigned>(Text.size()));
  return Starts;
}

std::vector<llvm::StringRef> splitLines(llvm::StringRef Text) {
  std::vector<llvm::StringRef> Lines;
  std::vector<unsigned> Starts = lineStarts(Text);
  for (size_t I = 0; I + 1 < Starts.size(); ++I)
    Lines.push_back(Text.slice(Starts[I], Starts[I + 1]));
  return Lines;
}

// A run of old lines [Begin, End) replaced by NewLines (the text of the new lines).
struct Region {
  unsigned Begin = 0;
  unsigned End = 0;
  std::vector<const TextEdit*> Edits;
  std::string NewText;
};

unsigned lineOf(const std::vector<unsigned>& Starts, unsigned Offset) {
  // Starts.back() is the size; the last real line owns offsets up to and including it.
  auto It = std::upper_bound(Starts.begin(), Starts.end() - 1, Offset);
  return static_cast<unsigned>(It - Starts.begin()) - 1;
}

void emitLine(llvm::raw_ostream& OS, char Tag, llvm::StringRef Line) {
  OS << Tag << Line;
  if (!Line.ends_with("\n"))
    OS << "\n\\ No newline at end of file\n";
}

} // namespace

std::string applyEdits(llvm::StringRef Old, llvm::ArrayRef<TextEdit> Edits) {
  std::string New;
  New.reserve(Old.size() + 64 * Edits.size());
  unsigned Pos = 0;
  for (const TextEdit& E : Edits) {
    New.append(Old.data() + Pos, E.Offset - Pos);
    New += E.Text;
    Pos = E.Offset + E.Length;
  }
  New.append(Old.data() + Pos, Old.size() - Pos);
  return New;
}

std::string unifiedDiff(llvm::StringRef OldName, llvm::StringRef NewName, llvm::StringRef Old,
                        llvm::ArrayRef<TextEdit> Edits) {
  if (Edits.empty())
    return {};
  std::vector<unsigned> Starts = lineStarts(Old);
  const unsigned NumLines = static_cast<unsigned>(Starts.size()) - 1;
  auto atLineStart = [&](unsigned Offset) { return Offset == 0 || Old[Offset - 1] == '\n'; };

  std::vector<Region> Regions;
  for (const TextEdit& E : Edits) {
    Region R;
    const bool PureInsert = E.Length == 0 && atLineStart(E.Offset) &&
                            llvm::StringRef(E.Text).ends_with("\n") &&
                            (E.Offset < Old.size() || Old.empty() || Old.ends_with("\n"));
    const bool PureDelete =
        E.Text.empty() && E.Length > 0 && atLineStart(E.Offset) &&
        (Old[E.Offset + E.Length - 1] == '\n' || E.Offset + E.Length == Old.size());
    if (PureInsert) {
      R.Begin = R.End = E.Offset == Old.size() ? NumLines : lineOf(Starts, E.Offset);
    } else if (PureDelete) {
      R.Begin = lineOf(Starts, E.Offset);
      R.End = lineOf(Starts, E.Offset + E.Length - 1) + 1;
    } else {
      R.Begin = std::min(lineOf(Starts, E.Offset), NumLines ? NumLines - 1 : 0);
      unsigned Last = E.Length ? E.Offset + E.Length - 1 : E.Offset;
      R.End = std::min(lineOf(Starts, Last) + 1, std::max(NumLines, 1u));
    }
    if (!Regions.empty() && R.Begin < Regions.back().End) {
      Regions.back().End = std::max(Regions.back().End, R.End);
      Regions.back().Edits.push_back(&E);
      continue;
    }
    R.Edits.push_back(&E);
    Regions.push_back(std::move(R));
  }
  for (Region& R : Regions) {
    unsigned From = R.Begin < NumLines ? Starts[R.Begin] : static_cast<unsigned>(Old.size());
    unsigned To = R.End < NumLines ? Starts[R.End] : static_cast<unsigned>(Old.size());
    std::vector<TextEdit> Local;
    for (const TextEdit* E : R.Edits)
      Local.push_back({E->Offset - From, E->Length, E->Text});
    R.NewText = applyEdits(Old.slice(From, To), Local);
  }

  std::vector<llvm::StringRef> OldLines = splitLines(Old);
  std::string Out;
  llvm::raw_string_ostream OS(Out);
  OS << "--- " << OldName << "\n+++ " << NewName << "\n";
  long Delta = 0; // new line number minus old line number before the current region
  for (size_t I = 0; I < Regions.size();) {
    size_t J = I; // regions I..J form one hunk
    while (J + 1 < Regions.size() && Regions[J + 1].Begin <= Regions[J].End + 2 * Context)
      ++J;
    unsigned HunkBegin = Regions[I].Begin > Context ? Regions[I].Begin - Context : 0;
    unsigned HunkEnd = std::min(Regions[J].End + Context, NumLines);
    std::string Body;
    llvm::raw_string_ostream BS(Body);
    unsigned OldCount = 0, NewCount = 0;
    long DeltaAfter = Delta;
    unsigned Line = HunkBegin;
    for (size_t K = I; K <= J; ++K) {
      const Region& R = Regions[K];
      for (; Line < R.Begin; ++Line, ++OldCount, ++NewCount)
        emitLine(BS, ' ', OldLines[Line]);
      for (; Line < R.End; ++Line, ++OldCount)
        emitLine(BS, '-', OldLines[Line]);
      std::vector<llvm::StringRef> NewLines = splitLines(R.NewText);
      for (llvm::StringRef L : NewLines)
        emitLine(BS, '+', L);
      NewCount += static_cast<unsigned>(NewLines.size());
      DeltaAfter += static_cast<long>(NewLines.size()) - static_cast<long>(R.End - R.Begin);
    }
    for (; Line < HunkEnd; ++Line, ++OldCount, ++NewCount)
      emitLine(BS, ' ', OldLines[Line]);
    // An empty side is numbered by the line before it (diff -u's rule).
    unsigned OldStart = OldCount ? HunkBegin + 1 : HunkBegin;
    long NewStart = NewCount ? HunkBegin + Delta + 1 : HunkBegin + Delta;
    OS << "@@ -" << OldStart << "," << OldCount << " +" << NewStart << "," << NewCount << " @@\n"
       << BS.str();
    Delta = DeltaAfter;
    I = J + 1;
  }
  return OS.str();
}

} // namespace autospan::rewriter
