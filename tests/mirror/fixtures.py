"""The KORUS fixture site: real USTR statements and every quirk of the real site's URLs and markup."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from tests.mirror.generated import generated_site
from tests.mirror.site import MirrorSite, MirrorStatement, Section

__all__ = ["korus_site", "generated_site"]

_OFFICE = "/about-us/policy-offices/press-office"
SEED_PATH = f"{_OFFICE}/fact-sheets/2018/january/statement-conclusion-us-korea-korus-0"
SEED_NODE_ID = 9461
SEED_EDIT = ("initiated", "launched")  # the word a later edit of the seed changes, and what it becomes
NORTH_KOREA_PATH = f"{_OFFICE}/press-releases/2017/september/ustr-statement-executive-order"
REUSED_SLUG_PATHS = (
    f"{_OFFICE}/speeches-and-remarks/2018/march/opening-statement-ustr-robert",
    f"{_OFFICE}/speeches-and-remarks/2019/february/opening-statement-ustr-robert",  # dated 03/01/2019
)
FOLDER_DATE_MISMATCH_PATH = REUSED_SLUG_PATHS[1]
CURLY_PATH = f"{_OFFICE}/press-releases/2019/january/ustr-statement-eu’s-consultation"
DASH_ZERO_PATH = f"{_OFFICE}/press-releases/2019/january/ustr-operating-status-0"
DASH_ZERO_ORIGINAL_PATH = f"{_OFFICE}/press-releases/2019/january/ustr-operating-status"
LEGACY_CASE_PATH = f"{_OFFICE}/fact-sheets/2014/March/US-Korea-Agreement-Second-Anniversary"
KOREAN_TEXT_PATH = f"{_OFFICE}/press-releases/2023/october/joint-statement-meeting-us-korea-free-trade-agreement-joint-committee"
ABOUT_2026_PATH = "/about/policy-offices/press-office/press-releases/2026/april/ustr-statement-korus-joint-committee-meeting"
D7_DATE_IN_BODY_PATH = f"{_OFFICE}/press-releases/2017/july/ustr-calls-special-session-under-us"
D8_PATH = f"{_OFFICE}/press-releases/2025/september/ustr-statement-implementation-us-korea-trade-agreement"
BANNER_INSIDE_PATH = D7_DATE_IN_BODY_PATH
BANNER_OUTSIDE_PATH = f"{_OFFICE}/press-releases/2017/august/ustr-lighthizer-statement-conclusion"
AS_PREPARED_PATH = f"{_OFFICE}/speeches-and-remarks/2025/september/remarks-ambassador-jamieson-greer-us-korea-business-council"
IPEF_PATH = f"{_OFFICE}/fact-sheets/2022/may/fact-sheet-indo-pacific-economic-framework-prosperity"  # names Korea, not KORUS


def _statement(
    section: Section, published: str, folder: str, slug: str, title: str, node_id: int | None,
    paragraphs: list[str], **quirks: Any,
) -> MirrorStatement:
    day = date.fromisoformat(published)
    year, month = folder.split("/")
    theme = "d7" if day < date(2019, 6, 1) else "d8"  # the Drupal 8 theme arrived in 2019
    return MirrorStatement(
        section=section, year=int(year), month=month, slug=slug, title=title, published=day,
        paragraphs=paragraphs, node_id=node_id, **({"theme": theme} | quirks),
    )


_PR, _FS, _SP = "press-releases", "fact-sheets", "speeches-and-remarks"
_LIGHTHIZER_QUOTE = (
    "“We are committed to reaching an outcome that is fair and reciprocal for American workers, farmers and "
    "businesses,” said U.S. Trade Representative Robert Lighthizer."
)

_KORUS_STATEMENTS: tuple[MirrorStatement, ...] = (
    _statement(_SP, "2013-03-29", "2013/march", "remarks-acting-ustr-marantis-korus-first-anniversary",
               "Remarks by Acting U.S. Trade Representative Demetrios Marantis at the KORUS FTA First Anniversary Reception",
               4178, [
                   "Washington, DC – Good evening, and thank you to the Korean Embassy for hosting us tonight.",
                   "One year ago the U.S.-Korea Free Trade Agreement entered into force. U.S. exports of passenger "
                   "vehicles to Korea are up, and American farmers are selling more beef, cherries and wine to Korean "
                   "consumers than ever before.",
               ], date_style="blog", banner="outside"),
    _statement(_PR, "2013-05-07", "2013/may", "korus-fta-implementation-update", "KORUS FTA Implementation Update",
               None, [
                   "Washington, D.C. – The Office of the U.S. Trade Representative today released an update on the "
                   "implementation of the U.S.-Korea Free Trade Agreement (KORUS FTA).",
                   "The KORUS FTA Committee on Automotive Trade met in Seoul and addressed Korea’s new vehicle "
                   "standards. For more information on the KORUS FTA, click here.",
               ], date_style="updated", banner="inside"),
    _statement(_PR, "2014-03-14", "2014/march", "statement-ambassador-froman-second-anniversary-korus",
               "Statement by Ambassador Froman on the Second Anniversary of the U.S.-Korea Free Trade Agreement", 5012, [
                   "Washington, DC – U.S. Trade Representative Michael Froman issued the following statement on the "
                   "second anniversary of the U.S.-Korea Free Trade Agreement (KORUS):",
                   "“Two years in, KORUS is supporting jobs in both our countries. We will continue to work with Korea "
                   "to ensure that the Agreement is fully implemented, including its customs and financial services "
                   "commitments.”",
               ], banner="outside", date_in_body=True),
    _statement(_FS, "2014-03-15", "2014/March", "US-Korea-Agreement-Second-Anniversary",
               "U.S.-Korea Trade Agreement: Second Anniversary", None, [
                   "Washington, DC – The U.S.-Korea Free Trade Agreement (KORUS) entered into force on March 15, 2012.",
                   "In the Agreement’s second year, nearly 80 percent of U.S. industrial exports to Korea entered duty "
                   "free, and tariffs on U.S. agricultural goods continued to fall.",
               ], banner="inside"),
    _statement(_PR, "2016-03-15", "2016/march", "us-korea-trade-agreement-fourth-anniversary",
               "U.S.-Korea Trade Agreement Marks Fourth Anniversary", 7890, [
                   "Washington, DC – Today marks four years since the U.S.-Korea Free Trade Agreement (KORUS) entered "
                   "into force.",
                   "USTR continues to press Korea on implementation issues, including competition proceedings and "
                   "the treatment of U.S. automobiles.",
               ], banner="outside"),
    _statement(_PR, "2017-07-12", "2017/july", "ustr-calls-special-session-under-us",
               "USTR Calls Special Session Under the U.S.-Korea Free Trade Agreement", 9263, [
                   "Washington, DC – United States Trade Representative Robert Lighthizer today notified the "
                   "Government of the Republic of Korea that the United States is calling a special session of the "
                   "KORUS Joint Committee to start the process of renegotiations and amendments to the Agreement.",
                   "Since the Agreement entered into force, the U.S. trade deficit in goods with Korea has doubled. "
                   "The special session will take place within 30 days.",
               ], banner="inside", date_in_body=True),
    _statement(_PR, "2017-08-22", "2017/august", "ustr-lighthizer-statement-conclusion",
               "USTR Lighthizer Statement on the Conclusion of the Special Session of the US-Korea FTA Joint Committee",
               9307, [
                   "Washington, DC – United States Trade Representative Robert Lighthizer today issued the following "
                   "statement on the conclusion of the special session of the KORUS Joint Committee in Seoul:",
                   "“Ambassador Lighthizer and Trade Minister Kim Hyun-chong discussed the operation of the Agreement. "
                   "The United States proposed amendments and modifications to address the trade imbalance.”",
               ], date_style="long", banner="outside"),
    _statement(_PR, "2017-10-04", "2017/october", "ustr-lighthizer-statement-second",
               "USTR Lighthizer Statement on the Second Special Session of the KORUS Joint Committee", 9345, [
                   "Washington, DC – Today the second special session of the KORUS Joint Committee concluded in "
                   "Washington, DC. The Republic of Korea agreed to begin amendment and modification negotiations.",
                   _LIGHTHIZER_QUOTE,
                   "KORUS Joint Committee Background:",
                   "The Joint Committee supervises the implementation of the KORUS FTA and may consider amendments "
                   "to the Agreement.",
               ]),
    _statement(_PR, "2018-01-05", "2018/january", "statement-conclusion-meeting-us",
               "Statement on the Conclusion of the Meeting of the U.S.-Korea Free Trade Agreement in Washington", 9437, [
                   "Washington, DC – Officials from the United States and the Republic of Korea met in Washington on "
                   "January 5 for the first round of KORUS amendment and modification negotiations.",
                   "The United States emphasized the need to address the trade imbalance in autos and auto parts. "
                   "Both sides agreed to meet again in Seoul.",
               ]),
    _statement(_FS, "2018-02-01", "2018/january", "statement-conclusion-us-korea-korus-0",
               "Statement on the Conclusion of US-Korea (Korus) FTA Meetings in Seoul", SEED_NODE_ID, [
                   "Seoul, Korea -- Officials from the United States and the Republic of Korea met in Seoul, Korea on "
                   "January 31 - February 1 to advance amendment and modification negotiations and other discussions "
                   "on the U.S.-Korea (KORUS) Free Trade Agreement.",
                   "Discussions focused on specific proposals, including those related to market access and tariffs. "
                   "The United States emphasized steps to rebalance the Agreement to improve the large trade deficit "
                   "in industrial goods, including autos and auto parts. Additionally, the United States pressed for "
                   "the resolution of Agreement implementation concerns that have hindered U.S. goods and services "
                   "export growth and opportunities in Korea.",
                   "“These negotiations are an example of the Trump Administration’s commitment to making trade deals "
                   "fair and reciprocal,” said U.S. Trade Representative Robert Lighthizer. “We must build on these "
                   "negotiations with substantive and expeditious progress that will benefit the American people. In "
                   "every trade relationship, the United States will stand up for U.S. workers and manufacturers, "
                   "especially those facing serious injury or harm by unfair trade practices.”",
                   "Both sides anticipate setting dates in the near future for further meetings in Washington, DC. The "
                   "U.S. delegation was led by Michael Beeman, Assistant U.S. Trade Representative for Japan, Korea and "
                   "APEC. Korea's delegation was led by Deputy Minister Myung-hee Yoo of the Ministry of Trade, Economy "
                   "and Industry (MOTIE).",
                   "Background:",
                   "At the direction of President Trump, in July 2017 Ambassador Lighthizer initiated talks to consider "
                   "matters affecting the operation of the KORUS FTA, including to address the significant trade "
                   "imbalance and to resolve market access problems in Korea for U.S. exports. This meeting follows "
                   "KORUS amendment and modification negotiations held on January 5, 2018, as well as special sessions "
                   "of the KORUS Joint Committee in 2017.",
               ]),
    _statement(_PR, "2018-03-28", "2018/march", "joint-statement-united-states",
               "Joint Statement by the United States Trade Representative Robert E. Lighthizer and Republic of Korea "
               "Trade Minister Hyun Chong Kim", 9548, [
                   "Washington, DC – United States Trade Representative Robert E. Lighthizer and Republic of Korea "
                   "Trade Minister Hyun Chong Kim announced an agreement in principle on the amendment and modification "
                   "of the U.S.-Korea Free Trade Agreement.",
                   "Korea will be granted a country exemption from the steel tariffs imposed under Section 232, "
                   "subject to a quota.",
               ], date_in_body=True),
    _statement(_FS, "2018-03-28", "2018/march", "new-us-trade-policy-and",
               "New U.S. Trade Policy and National Security Outcomes with the Republic of Korea", 9549, [
                   "Washington, DC – The United States and the Republic of Korea have reached an agreement in principle "
                   "on the general terms of amendments and modifications to the KORUS FTA.",
                   "Outcomes include a steel quota, an extension of the U.S. 25 percent tariff on trucks until 2041, "
                   "and improved access for U.S. autos. For the full list of outcomes, click here.",
               ]),
    _statement(_SP, "2018-03-21", "2018/march", "opening-statement-ustr-robert",
               "Opening Statement of USTR Robert Lighthizer to the Senate Finance Committee", 9531, [
                   "Washington, DC – Chairman Hatch, Ranking Member Wyden, members of the Committee, thank you for "
                   "the opportunity to discuss the President’s trade policy agenda.",
                   "We are renegotiating the KORUS FTA with Korea and expect to conclude those talks shortly.",
               ]),
    _statement(_PR, "2018-09-03", "2018/september", "ustr-publishes-agreed-outcomes",
               "USTR Publishes Agreed Outcomes of the KORUS Amendment and Modification Negotiations", 9745, [
                   "Washington, DC – The Office of the United States Trade Representative today published the outcomes "
                   "of the amendment and modification negotiations of the U.S.-Korea Free Trade Agreement.",
                   "The documents include amendments on investor-state dispute settlement, trade remedies and autos. "
                   "To read the texts, click here.",
               ]),
    _statement(_PR, "2018-09-24", "2018/september", "joint-statement-signing-us",
               "Joint Statement on the Signing of the Protocol Amending the U.S.-Korea Free Trade Agreement", 9772, [
                   "New York, NY – President Donald J. Trump and President Moon Jae-in today witnessed the signing of "
                   "the protocol amending the United States-Korea Free Trade Agreement (KORUS FTA).",
                   _LIGHTHIZER_QUOTE,
               ], date_style="long"),
    _statement(_PR, "2019-01-02", "2019/january", "united-states-and-korea-bring",
               "United States and Korea Bring the Amended KORUS Agreement into Force", 9879, [
                   "Washington, DC – The amendments and modifications to the U.S.-Korea Free Trade Agreement entered "
                   "into force on January 1, 2019.",
                   "The amended Agreement preserves the 25 percent U.S. tariff on light trucks until 2041.",
               ]),
    _statement(_SP, "2019-03-01", "2019/february", "opening-statement-ustr-robert",
               "Opening Statement of USTR Robert Lighthizer to the House Ways and Means Committee", 9960, [
                   "Washington, DC – Chairman Neal, Ranking Member Brady, and members of the Committee, thank you.",
                   "Last year we concluded the renegotiation of the KORUS FTA, and the amended Agreement is now in "
                   "force.",
               ]),
    _statement(_PR, "2021-05-21", "2021/may",
               "readout-ambassador-katherine-tais-meeting-republic-korea-trade-minister-yeo-han-koo",
               "Readout of Ambassador Katherine Tai’s Meeting with Republic of Korea Trade Minister Yeo Han-koo", 11350, [
                   "Washington, DC – United States Trade Representative Katherine Tai met today with Republic of Korea "
                   "Trade Minister Yeo Han-koo.",
                   "They discussed the implementation of the U.S.-Korea Free Trade Agreement (KORUS) and cooperation "
                   "on supply chain resilience.",
               ]),
    _statement(_PR, "2023-10-19", "2023/october",
               "joint-statement-meeting-us-korea-free-trade-agreement-joint-committee",
               "Joint Statement on the Meeting of the U.S.-Korea Free Trade Agreement Joint Committee", 12480, [
                   "Seoul, Korea – The United States and the Republic of Korea held the annual meeting of the KORUS FTA "
                   "Joint Committee on October 19, 2023. Korea’s delegation was led by the Ministry of Trade, Industry "
                   "and Energy (산업통상자원부).",
                   "Both sides reviewed the implementation of the Agreement, known in Korea as the 한미 FTA.",
                   "한·미 자유무역협정 공동위원회는 협정 이행 상황을 점검하고 양국 간 교역 확대 방안을 논의하였다.",
                   "KORUS Joint Committee Background:",
                   "The Joint Committee, co-chaired by the U.S. Trade Representative and Korea’s Trade Minister, "
                   "supervises the implementation of the KORUS FTA.",
               ]),
    _statement(_FS, "2024-03-15", "2024/march", "fact-sheet-twelve-years-us-korea-free-trade-agreement",
               "Fact Sheet: Twelve Years of the U.S.-Korea Free Trade Agreement", 12930, [
                   "Washington, DC – Twelve years after the KORUS FTA entered into force, Korea is the United States’ "
                   "seventh-largest goods trading partner.",
                   "U.S. agricultural exports to Korea reached $8.9 billion in 2023.",
               ]),
    _statement(_PR, "2025-09-03", "2025/september", "ustr-statement-implementation-us-korea-trade-agreement",
               "USTR Statement on Implementation of the United States–Korea Trade Agreement", 13702, [
                   "Washington, DC – United States Trade Representative Jamieson Greer today welcomed steps by the "
                   "Republic of Korea to implement its commitments under the KORUS FTA and the July 2025 trade deal.",
                   "Background:",
                   "The amended KORUS FTA has been in force since January 1, 2019.",
               ]),
    _statement(_SP, "2025-09-03", "2025/september", "remarks-ambassador-jamieson-greer-us-korea-business-council",
               "Remarks by Ambassador Jamieson Greer at the U.S.-Korea Business Council", 13705, [
                   "Washington, DC – Thank you to the U.S.-Korea Business Council for the invitation.",
                   "The KORUS FTA remains the foundation of our trade relationship with the Republic of Korea.",
               ], date_style="as_prepared"),
    _statement(_PR, "2026-04-14", "2026/april", "ustr-statement-korus-joint-committee-meeting",
               "USTR Statement on the KORUS Joint Committee Meeting", 14120, [
                   "Washington, DC – The KORUS Joint Committee met today in Washington, co-chaired by Ambassador "
                   "Jamieson Greer and Korea’s Minister for Trade.",
                   "The Committee reviewed Korea’s implementation of its 2025 commitments under the KORUS FTA.",
               ]),
    _statement(_FS, "2026-04-14", "2026/april", "fact-sheet-korus-joint-committee-outcomes",
               "Fact Sheet: Outcomes of the 2026 KORUS Joint Committee", 14121, [
                   "Washington, DC – The United States and Korea agreed on the following outcomes of the KORUS Joint "
                   "Committee.",
                   "Korea will streamline certification procedures for U.S. autos and recognize U.S. vehicle safety "
                   "standards.",
               ]),
)

_OTHER_STATEMENTS: tuple[MirrorStatement, ...] = (
    _statement(_PR, "2014-11-10", "2014/november", "us-china-expansion-information-technology-agreement",
               "U.S., China Reach Agreement on Expansion of the Information Technology Agreement", 5580, [
                   "Beijing, China – The United States and China today reached an understanding on the expansion of the "
                   "WTO Information Technology Agreement.",
                   "The expanded agreement would eliminate tariffs on some $1 trillion in global sales of IT products.",
               ], banner="inside"),
    _statement(_PR, "2015-10-05", "2015/october", "summary-trans-pacific-partnership",
               "Summary of the Trans-Pacific Partnership Agreement", None, [
                   "Atlanta, GA – Ministers of the twelve Trans-Pacific Partnership countries announced the conclusion "
                   "of their negotiations.",
                   "The Agreement sets high standards for trade and investment in the Asia-Pacific region.",
               ], banner="outside"),
    _statement(_PR, "2017-09-21", "2017/september", "ustr-statement-executive-order",
               "USTR Statement on the Executive Order Imposing Additional Sanctions with Respect to North Korea", 9330, [
                   "Washington, DC – United States Trade Representative Robert Lighthizer issued the following statement "
                   "on the Executive Order imposing additional sanctions with respect to North Korea:",
                   "“The President’s Executive Order gives the Treasury Department new authority to target individuals, "
                   "companies and financial institutions that finance trade with the Democratic People’s Republic of "
                   "Korea (DPRK). USTR supports these measures to cut off the revenue that funds the regime’s weapons "
                   "programs.”",
                   "The sanctions build on United Nations Security Council resolutions restricting the DPRK’s exports "
                   "of coal, textiles and seafood.",
               ]),
    _statement(_PR, "2018-03-22", "2018/march", "president-trump-announces-strong",
               "President Trump Announces Strong Actions to Address China’s Unfair Trade", 9540, [
                   "Washington, DC – President Trump today directed USTR to propose tariffs on Chinese products under "
                   "Section 301 of the Trade Act of 1974.",
                   "The investigation found that China’s technology transfer policies harm American companies.",
               ]),
    _statement(_PR, "2018-09-17", "2018/september", "ustr-finalizes-tariffs-200",
               "USTR Finalizes Tariffs on $200 Billion of Chinese Imports in Response to China’s Unfair Trade Practices",
               9762, [
                   "Washington, DC – The Office of the U.S. Trade Representative today released a list of approximately "
                   "$200 billion worth of Chinese imports that will be subject to additional tariffs.",
                   "The additional tariffs will be effective starting September 24, 2018.",
               ]),
    _statement(_PR, "2019-01-02", "2019/january", "ustr-operating-status", "USTR Operating Status", 9880, [
                   "Washington, DC – Due to the lapse in appropriations, USTR is operating with limited staff.",
               ]),
    _statement(_PR, "2019-01-25", "2019/january", "ustr-operating-status-0", "USTR Operating Status", 9925, [
                   "Washington, DC – USTR has resumed normal operations.",
               ]),
    _statement(_PR, "2019-01-18", "2019/january", "ustr-statement-eu’s-consultation",
               "USTR Statement on the EU’s Consultation on Trade Negotiations with the United States", 9911, [
                   "Washington, DC – United States Trade Representative Robert Lighthizer issued the following statement "
                   "on the European Union’s public consultation on trade negotiations with the United States:",
                   "“We note that the EU excludes agriculture from its proposed mandate, which is inconsistent with the "
                   "Joint Statement of July 25, 2018.”",
               ], date_in_body=True),
    _statement(_PR, "2019-01-25", "2019/january", "ustr-robert-lighthizer-joint",
               "USTR Robert Lighthizer on the Joint Statement on Electronic Commerce", 9927, [
                   "Davos, Switzerland – Seventy-six WTO members today confirmed their intention to commence WTO "
                   "negotiations on trade-related aspects of electronic commerce.",
               ]),
    _statement(_PR, "2020-01-15", "2020/january", "economic-and-trade-agreement-between-united-states-and-china",
               "Economic and Trade Agreement Between the United States and China", 10478, [
                   "Washington, DC – The United States and China today signed the Phase One Economic and Trade "
                   "Agreement.",
                   "China commits to purchase at least $200 billion in additional U.S. goods and services over two years.",
               ]),
    _statement(_FS, "2020-01-15", "2020/january", "fact-sheet-economic-and-trade-agreement-united-states-china",
               "Fact Sheet: Economic and Trade Agreement Between the United States and China", 10480, [
                   "Washington, DC – The Phase One Agreement covers intellectual property, technology transfer, "
                   "agriculture, financial services and currency.",
               ]),
    _statement(_PR, "2020-07-01", "2020/july", "usmca-enters-into-force", "USMCA Enters Into Force", 10820, [
                   "Washington, DC – The United States-Mexico-Canada Agreement entered into force today.",
                   "The USMCA replaces the North American Free Trade Agreement.",
               ]),
    _statement(_PR, "2021-06-15", "2021/june", "us-and-eu-joint-statement-cooperative-framework-large-civil-aircraft",
               "U.S. and EU Joint Statement on a Cooperative Framework for Large Civil Aircraft", 11420, [
                   "Brussels, Belgium – The United States and the European Union today agreed on a cooperative "
                   "framework to resolve their long-running large civil aircraft disputes.",
               ]),
    _statement(_SP, "2021-10-04", "2021/october", "remarks-ambassador-katherine-tai-new-approach-us-china-trade",
               "Remarks of Ambassador Katherine Tai Outlining a New Approach to the U.S.-China Trade Relationship", 11690, [
                   "Washington, DC – Good morning. Today I want to talk about our trade relationship with China.",
                   "We will begin frank engagement with China on its Phase One commitments.",
               ], date_style="as_prepared"),
    _statement(_PR, "2022-06-17", "2022/june", "ustr-statement-conclusion-wto-12th-ministerial-conference",
               "USTR Statement on the Conclusion of the WTO 12th Ministerial Conference", 12010, [
                   "Geneva, Switzerland – The WTO’s 12th Ministerial Conference concluded today with an agreement on "
                   "fisheries subsidies.",
               ]),
    _statement(_FS, "2022-05-23", "2022/may", "fact-sheet-indo-pacific-economic-framework-prosperity",
               "Fact Sheet: In Asia, President Biden and a Dozen Indo-Pacific Partners Launch the Indo-Pacific Economic "
               "Framework for Prosperity", 11990, [
                   "Tokyo, Japan – The United States is launching the Indo-Pacific Economic Framework with Australia, "
                   "Brunei, India, Indonesia, Japan, the Republic of Korea, Malaysia, New Zealand, the Philippines, "
                   "Singapore, Thailand and Vietnam.",
               ]),
    _statement(_PR, "2024-03-01", "2024/march", "ustr-statement-conclusion-wto-13th-ministerial-conference",
               "USTR Statement on the Conclusion of the WTO 13th Ministerial Conference", 12920, [
                   "Abu Dhabi, United Arab Emirates – The WTO’s 13th Ministerial Conference concluded today.",
               ]),
    _statement(_PR, "2025-05-08", "2025/may", "united-states-and-united-kingdom-economic-prosperity-deal",
               "United States and United Kingdom Agree to an Economic Prosperity Deal", 13310, [
                   "Washington, DC – The United States and the United Kingdom today announced the general terms of an "
                   "Economic Prosperity Deal.",
               ]),
    _statement(_PR, "2026-02-10", "2026/february", "ustr-statement-section-301-shipbuilding-actions",
               "USTR Statement on Section 301 Actions on China’s Shipbuilding Sector", 14010, [
                   "Washington, DC – USTR today announced the next phase of actions in the Section 301 investigation "
                   "of China’s targeting of the maritime, logistics and shipbuilding sectors.",
               ]),
)

KORUS_PATHS = tuple(s.path for s in _KORUS_STATEMENTS)
ALL_PATHS = KORUS_PATHS + tuple(s.path for s in _OTHER_STATEMENTS)


def korus_site() -> MirrorSite:
    """A fresh site of the KORUS fixture statements (the speeches landing uses the late-2026 ul.listing)."""
    statements = [
        dataclasses.replace(s, paragraphs=list(s.paragraphs)) for s in (*_KORUS_STATEMENTS, *_OTHER_STATEMENTS)
    ]
    return MirrorSite(statements, landing_styles={"speeches-and-remarks": "listing"})
