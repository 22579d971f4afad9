#include "edit_format.h"

#include "llvm/ADT/StringExtras.h"

namespace autospan::rewriter {
namespace {

bool isBlank(char C) {
  return C == ' ' || C == '\t' || C == '\r' || C == '\v' || C == '\f';
}

unsigned lineStart(llvm::StringRef Buffer, unsigned Offset) {
  size_t NL = Buffer.substr(0, Offset).rfind('\n');
  return NL == llvm::StringRef::npos ? 0 : static_cast<unsigned>(NL + 1);
}

unsigned lineEnd(llvm::StringRef Buffer, unsigned Offset) {
  size_t NL = Buffer.find('\n', Offset);
  return NL == llvm::StringRef::npos ? static_cast<unsigned>(Buffer.size())
                                     : static_cast<unsigned>(NL);
}

llvm::StringRef leadingBlanks(llvm::StringRef Buffer, unsigned Offset) {
  unsigned Start = lineStart(Buffer, Offset);
  unsigned End = Start;
  while (End < Buffer.size() && (Buffer[End] == ' ' || Buffer[End] == '\t'))
    ++End;
  return Buffer.slice(Start, End);
}

// The offset just after the first line break in [From, To) that is not inside a block comment,
// or 0 when there is none. The range holds only whitespace and comments.
unsigned firstUsableLineBreak(llvm::StringRef Buffer, unsigned From, unsigned To) {
  unsigned I = From;
  while (I < To) {
    if (Buffer[I] == '\n')
      return I + 1;
    if (Buffer.substr(I).starts_with("//")) {
      I = lineEnd(Buffer, I); // the comment ends at the line break, which is then usable
      continue;
    }
    if (Buffer.substr(I).starts_with("/*")) {
      size_t Close = Buffer.find("*/", I + 2);
      if (Close == llvm::StringRef::npos || Close + 2 > To)
        return 0;
      I = static_cast<unsigned>(Close + 2);
      continue;
    }
    ++I;
  }
  return 0;
}

} // namespace

std::string quoteSpanName(llvm::StringRef Name) {
  std::string Out = "\"";
  for (unsigned char C : Name) {
    if (C == '"' || C == '\\') {
      Out += '\\';
      Out += static_cast<char>(C);
    } else if (C < 0x20 || C == 0x7f) {
      // Octal, three digits: unlike \x it cannot swallow a following character.
      Out += '\\';
      Out += static_cast<char>('0' + ((C >> 6) & 7));
      Out += static_cast<char>('0' + ((C >> 3) & 7));
      Out += static_cast<char>('0' + (C & 7));
    } else {
      Out += static_cast<char>(C);
    }
  }
  Out += '"';
  return Out;
}

std::string functionStatement(llvm::StringRef SpanName) {
  return "AUTOSPAN_FUNCTION(" + quoteSpanName(SpanName) + ");";
}

TextEdit insertionEdit(llvm::StringRef Buffer, unsigned LBrace, unsigned Next, bool NextIsRBrace,
                       llvm::StringRef Statement, IndentStyle Indent) {
  TextEdit E;
  if (unsigned LineBreak = firstUsableLineBreak(Buffer, LBrace + 1, Next)) {
    std::string Prefix;
    if (NextIsRBrace) {
      Prefix = leadingBlanks(Buffer, Next).str();
      Prefix += Indent.UseTab ? std::string("\t") : std::string(Indent.Width, ' ');
    } else {
      Prefix = leadingBlanks(Buffer, Next).str();
    }
    const bool CRLF = LineBreak >= 2 && Buffer[LineBreak - 2] == '\r';
    E.Offset = LineBreak;
    E.Text = Prefix + Statement.str() + (CRLF ? "\r\n" : "\n");
    return E;
  }
  if (Next > LBrace + 1) {
    E.Offset = Next;
    E.Text = Statement.str() + " ";
    return E;
  }
  E.Offset = LBrace + 1;
  E.Text = " " + Statement.str();
  return E;
}

bool occupiesOwnLine(llvm::StringRef Buffer, unsigned Begin, unsigned End) {
  unsigned Start = lineStart(Buffer, Begin);
  unsigned Stop = lineEnd(Buffer, End);
  for (unsigned I = Start; I < Begin; ++I)
    if (!isBlank(Buffer[I]))
      return false;
  for (unsigned I = End; I < Stop; ++I)
    if (!isBlank(Buffer[I]))
      return false;
  return true;
}

TextEdit removalEdit(llvm::StringRef Buffer, unsigned Begin, unsigned End) {
  TextEdit E;
  if (occupiesOwnLine(Buffer, Begin, End)) {
    unsigned Start = lineStart(Buffer, Begin);
    unsigned Stop = lineEnd(Buffer, End);
    if (Stop < Buffer.size())
      ++Stop; // the line break
    E.Offset = Start;
    E.Length = Stop - Start;
    return E;
  }
  if (End < Buffer.size() && Buffer[End] == ' ') {
    E.Offset = Begin;
    E.Length = End + 1 - Begin;
    return E;
  }
  if (Begin > 0 && Buffer[Begin - 1] == ' ') {
    E.Offset = Begin - 1;
    E.Length = End - Begin + 1;
    return E;
  }
  E.Offset = Begin;
  E.Length = End - Begin;
  return E;
}

} // namespace autospan::rewriter
