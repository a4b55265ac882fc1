"""The parties a trade statement names: a curated list of countries, agencies and organizations, each spelling
mapped to one name, and the words that make a capitalised run of words read as a name or not.

Pure data; archive.mentions finds them in text."""

from __future__ import annotations

# Each line: the name a party is known by, then its other spellings, separated by "|". A mention of any spelling is
# a mention of the first one, so "the U.S." becoming "the United States" names no new party.
_ALIASES = """
United States|U.S.|US|USA|U.S.A.|United States of America|America|American|Americans
Republic of Korea|Korea|South Korea|ROK|R.O.K.|Korean|Koreans
Democratic People's Republic of Korea|North Korea|DPRK
European Union|EU|E.U.|European
United Kingdom|UK|U.K.|Britain|Great Britain|British
China|People's Republic of China|PRC|Chinese
Taiwan|Chinese Taipei|Taiwanese
Japan|Japanese
Canada|Canadian
Mexico|Mexican
Russia|Russian Federation
India
Brazil
Australia
New Zealand
Vietnam|Viet Nam
United Arab Emirates|UAE
Saudi Arabia
Turkey|Türkiye
Office of the United States Trade Representative|USTR|Office of the U.S. Trade Representative
Department of Commerce|Commerce Department|Commerce
Department of Agriculture|USDA|Agriculture Department
Department of State|State Department
Department of the Treasury|Treasury Department|Treasury
Department of Labor|Labor Department
Department of Homeland Security|DHS
Customs and Border Protection|CBP|U.S. Customs and Border Protection
International Trade Commission|ITC|USITC|U.S. International Trade Commission
Food and Drug Administration|FDA
Environmental Protection Agency|EPA
Congress|U.S. Congress
Senate|U.S. Senate|Senate Finance Committee
House of Representatives|House|House Ways and Means Committee|Ways and Means Committee
White House
Ministry of Trade, Industry and Energy|MOTIE|Ministry of Trade, Industry, and Energy|Ministry of Trade, Economy and Industry|Ministry of Trade, Economy, and Industry
Ministry of Foreign Affairs|MOFA
Korea Fair Trade Commission|KFTC
Ministry of Economy, Trade and Industry|METI
Ministry of Commerce|MOFCOM
European Commission
World Trade Organization|WTO
Organisation for Economic Co-operation and Development|OECD
Asia-Pacific Economic Cooperation|APEC
Association of Southeast Asian Nations|ASEAN
International Monetary Fund|IMF
World Bank
Group of Seven|G7|G-7
Group of Twenty|G20|G-20
United Nations|UN|U.N.
"""

# Countries known by one name only.
_COUNTRIES = """
Germany, France, Italy, Spain, Netherlands, Belgium, Switzerland, Austria, Sweden, Norway, Denmark, Finland,
Ireland, Poland, Portugal, Greece, Czech Republic, Czechia, Hungary, Romania, Bulgaria, Croatia, Slovakia,
Slovenia, Estonia, Latvia, Lithuania, Luxembourg, Malta, Cyprus, Iceland, Ukraine, Belarus, Serbia, Albania,
Georgia, Armenia, Azerbaijan, Kazakhstan, Uzbekistan, Israel, Jordan, Egypt, Morocco, Tunisia, Algeria, Libya,
Iraq, Iran, Syria, Lebanon, Kuwait, Qatar, Bahrain, Oman, Yemen, Pakistan, Afghanistan, Bangladesh, Sri Lanka,
Nepal, Myanmar, Thailand, Malaysia, Singapore, Indonesia, Philippines, Cambodia, Laos, Mongolia, Brunei,
Hong Kong, Macau, Argentina, Chile, Colombia, Peru, Ecuador, Venezuela, Bolivia, Paraguay, Uruguay, Guatemala,
Honduras, El Salvador, Nicaragua, Costa Rica, Panama, Cuba, Dominican Republic, Haiti, Jamaica,
Trinidad and Tobago, Bahamas, Barbados, South Africa, Nigeria, Kenya, Ethiopia, Ghana, Angola, Tanzania,
Uganda, Rwanda, Senegal, Ivory Coast, Côte d'Ivoire, Cameroon, Zambia, Zimbabwe, Mozambique, Madagascar,
Botswana, Namibia, Mauritius, Sudan, South Sudan, Congo
"""

# Spelling -> the party's name.
PARTY_NAMES: dict[str, str] = {
    **{name.strip(): name.strip() for name in _COUNTRIES.split(",")},
    **{spelling: line.split("|")[0] for line in _ALIASES.strip().splitlines() for spelling in line.split("|")},
}

# Words that open or make up an official's title: "Deputy Minister Myung-hee Yoo" is the party Yoo, whatever title
# the text gives her.
TITLE_WORDS = frozenset("""
ambassador minister president vice prime secretary deputy assistant acting trade representative u.s. us chairman
chairwoman chair ranking member senator congressman congresswoman speaker director general commissioner
governor mr. mrs. ms. dr. mr mrs ms dr the united states
""".split())

# Capitalised words that name no party when they stand alone: headings, document kinds, and the common words USTR
# capitalises ("the Agreement", "the Administration").
NOT_NAMES = frozenset("""
a an the this that these those it its in on at by for to of and or but as with from after before under over
today yesterday tomorrow also additionally however both each all other further meanwhile since while when
agreement agreements administration background committee section chapter article annex act fact sheet statement
press release office joint free trade national federal ministerial conference council partnership framework deal
protocol outcomes outcome update remarks readout government i we our you he she they his her their chairman
phase round session negotiations talks implementation amendment amendments economic prosperity security policy
market access industry industrial goods services tariffs tariff steel autos auto parts fta korus opening
""".split())
