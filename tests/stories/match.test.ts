import { describe, expect, it } from 'vitest'
import { AliasMatcher, tokenize } from '../../src/stories/match.ts'

const GOVERNOR = 1
const REGION = 2
const DON = 3
const ROSTOV = 4
const DUROV = 5
const MAYOR = 6

const matcher = new AliasMatcher([
  { pageId: GOVERNOR, aliases: ['Голубев', 'губернатор Ростовской области'] },
  { pageId: REGION, aliases: ['Правительство Ростовской области'] },
  { pageId: DON, aliases: ['Дон'] },
  { pageId: ROSTOV, aliases: ['Ростов'] },
  { pageId: DUROV, aliases: ['Pavel Durov', 'ВКонтакте'] },
  { pageId: MAYOR, aliases: ['Сергей Собянин', 'мэр Москвы', 'Ёлкин'] },
])

const pagesIn = (text: string) => matcher.match(text)

describe('alias matching with Russian and English stemming', () => {
  it.each([
    ['Голубев провёл совещание', 'Голубев'],
    ['Орден вручили Голубеву', 'Голубев'],
    ['Встреча Голубева с аграриями', 'Голубев'],
    ['Беседа с Голубевым', 'Голубев'],
    ['О Голубеве написали', 'Голубев'],
    ['ГОЛУБЕВ ОТВЕТИЛ ЖИТЕЛЯМ', 'Голубев'],
  ])('finds a surname in every case form: %s', (text, alias) => {
    expect(pagesIn(text)).toEqual([{ pageId: GOVERNOR, alias }])
  })

  it.each([
    'Прямая линия губернатора Ростовской области',
    'Губернатор Ростовской области открыл школу',
    'Поздравление от губернатором Ростовской области', // stems agree even when the grammar does not
  ])('finds a multi-word alias whatever the case endings: %s', (text) => {
    expect(pagesIn(text)).toContainEqual({ pageId: GOVERNOR, alias: 'губернатор Ростовской области' })
  })

  it('matches the words of an alias only in sequence', () => {
    expect(pagesIn('Губернатор приехал в район Ростовской области')).toEqual([])
    expect(pagesIn('Правительства Ростовской области сообщило')).toEqual([{ pageId: REGION, alias: 'Правительство Ростовской области' }])
  })

  it.each([
    ['Донской район получил субсидию', 'Дон inside Донской'],
    ['В Донецке прошёл митинг', 'Дон inside Донецк'],
    ['Ростовская делегация', 'Ростов inside Ростовская'],
    ['Рост числа подписчиков', 'Ростов is not рост, though the stemmer cuts both to "рост"'],
    ['Голубой вагон бежит', 'Голубев is not голубой, though the stemmer cuts both to "голуб"'],
    ['Голубь мира', 'Голубев is not голубь'],
    ['Приложение VK не работает', 'ВКонтакте is one word, not VK'],
  ])('never matches inside another word or a false friend: %s (%s)', (text) => {
    expect(pagesIn(text)).toEqual([])
  })

  it('is case- and ё/е-insensitive and keeps the alias as written', () => {
    expect(pagesIn('МЭРА МОСКВЫ поздравили')).toEqual([{ pageId: MAYOR, alias: 'мэр Москвы' }])
    expect(pagesIn('ЕЛКИН и мэр Москвы')).toEqual([{ pageId: MAYOR, alias: 'Ёлкин' }])
    expect(pagesIn('Заявление Ёлкина')).toEqual([{ pageId: MAYOR, alias: 'Ёлкин' }])
    expect(pagesIn('заявление елкина')).toEqual([{ pageId: MAYOR, alias: 'Ёлкин' }])
    expect(pagesIn('На Дону прошли учения; в Ростове-на-Дону — парад')).toEqual([
      { pageId: DON, alias: 'Дон' },
      { pageId: ROSTOV, alias: 'Ростов' },
    ])
  })

  it('stems English aliases with the English stemmer', () => {
    expect(pagesIn("Pavel Durov's new plans")).toEqual([{ pageId: DUROV, alias: 'Pavel Durov' }])
    expect(pagesIn('Durov, Pavel')).toEqual([])
    expect(new AliasMatcher([{ pageId: 9, aliases: ['regional government'] }]).match('Regional governments met')).toEqual([{ pageId: 9, alias: 'regional government' }])
  })

  it('reports each page once, with the alias found first, and ignores empty aliases', () => {
    const m = new AliasMatcher([{ pageId: 1, aliases: ['', '  ', '—', 'Сергей Собянин', 'Собянин'] }])
    expect(m.size).toBe(2)
    expect(m.match('Собянин: Сергей Собянин открыл станцию')).toEqual([{ pageId: 1, alias: 'Собянин' }])
  })

  it('splits words on punctuation, hyphens and quotes, and leaves numbers alone', () => {
    expect(tokenize('«Ростов-на-Дону», 2026: ёлка!').map((t) => t.norm)).toEqual(['ростов', 'на', 'дону', '2026', 'елка'])
    expect(tokenize('2026').map((t) => t.stem)).toEqual(['2026'])
  })
})
