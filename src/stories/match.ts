import { stemmer as englishStem } from '@orama/stemmers/english'
import { stemmer as russianStem } from '@orama/stemmers/russian'

/** A word of a story or an alias: its normalised form and its Snowball stem. */
export interface Token {
  norm: string
  stem: string
}

const CYRILLIC = /[\u0400-\u04ff]/
const LATIN = /[a-z]/

/** Lower case, ё → е, Unicode-normalised: "Ёлкин" and "елкин" are the same word. */
export const normalizeWord = (word: string): string => word.normalize('NFC').toLowerCase().replaceAll('ё', 'е')

/** Stems a normalised word with the Russian or English Snowball stemmer, by its script. Numbers stay as they are. */
export function stemWord(norm: string): string {
  if (CYRILLIC.test(norm)) return russianStem(norm)
  if (LATIN.test(norm)) return englishStem(norm)
  return norm
}

/**
 * Splits text into whole words (letters and digits; hyphens, apostrophes and punctuation separate) and
 * stems each. Matching compares these tokens, never substrings, so an alias can't match inside a word.
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  for (const match of text.matchAll(/[\p{L}\p{M}\p{N}]+/gu)) {
    const norm = normalizeWord(match[0])
    tokens.push({ norm, stem: stemWord(norm) })
  }
  return tokens
}

/**
 * An alias word. The Russian stemmer reads the "-ов"/"-ев" of surnames and towns as a genitive-plural
 * ending ("Голубев" → "голуб", "Ростов" → "рост", "Иванов" → "иван"), which would make the alias match
 * "голубой", "рост" and "Иван". Those names keep the suffix in every case form (Голубева, Ростове), so
 * for an alias word the stemmer cut only "ов"/"ев" from, the whole word is its stem. A genitive plural
 * is an unlikely way to write an alias.
 */
export function aliasToken(token: Token): Token {
  if (CYRILLIC.test(token.norm) && token.norm.length - token.stem.length === 2 && /(ов|ев)$/.test(token.norm)) return { norm: token.norm, stem: token.norm }
  return token
}

/**
 * Two words are the same when their stems are equal, or when one word's stem is the other word
 * itself ("Голубева" stems to "голубев"; an alias written "Голубева" still finds "Голубев").
 */
export const sameWord = (alias: Token, word: Token): boolean =>
  alias.stem === word.stem || alias.norm === word.stem || alias.stem === word.norm

export interface AliasOwner {
  pageId: number
  aliases: readonly string[]
}

export interface AliasMatch {
  pageId: number
  /** The alias as the operator wrote it. */
  alias: string
}

interface CompiledAlias {
  pageId: number
  alias: string
  tokens: Token[]
}

/**
 * Compiles every page's aliases once, indexed by the keys of their first word, so a story is checked
 * against the few aliases that can start at each of its words (130,000 pages stay fast).
 */
export class AliasMatcher {
  private readonly index = new Map<string, CompiledAlias[]>()
  readonly size: number

  constructor(owners: Iterable<AliasOwner>) {
    let size = 0
    for (const owner of owners) {
      const seen = new Set<string>()
      for (const alias of owner.aliases) {
        const tokens = tokenize(alias).map(aliasToken)
        const key = tokens.map((t) => t.norm).join(' ')
        if (tokens.length === 0 || seen.has(key)) continue
        seen.add(key)
        const compiled = { pageId: owner.pageId, alias: alias.trim(), tokens }
        for (const k of new Set([tokens[0]!.stem, tokens[0]!.norm])) {
          const list = this.index.get(k)
          if (list) list.push(compiled)
          else this.index.set(k, [compiled])
        }
        size++
      }
    }
    this.size = size
  }

  /**
   * The pages whose alias appears in `text` as a sequence of whole words, each page once, with the first
   * alias that matched (the longest at the earliest position).
   */
  match(text: string): AliasMatch[] {
    const words = tokenize(text)
    const found = new Map<number, string>()
    for (let i = 0; i < words.length; i++) {
      const word = words[i]!
      const candidates = new Set([...(this.index.get(word.stem) ?? []), ...(this.index.get(word.norm) ?? [])])
      const hits = [...candidates].filter((c) => !found.has(c.pageId) && c.tokens.every((t, k) => i + k < words.length && sameWord(t, words[i + k]!)))
      hits.sort((a, b) => b.tokens.length - a.tokens.length)
      for (const hit of hits) if (!found.has(hit.pageId)) found.set(hit.pageId, hit.alias)
    }
    return [...found].map(([pageId, alias]) => ({ pageId, alias }))
  }
}
