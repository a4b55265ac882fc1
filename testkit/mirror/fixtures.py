"""The KORUS fixture site: real USTR statements and every quirk of the real site's URLs and markup."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from testkit.mirror.generated import generated_site
from testkit.mirror.site import MirrorSite, MirrorStatement, Section

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
KOREAN_TEXT_PATH = (
    f"{_OFFICE}/press-releases/2023/october/joint-statement-meeting-us-korea-free-trade-agreement-joint-committee"
)
ABOUT_2026_PATH = (
    "/about/policy-offices/press-office/press-releases/2026/april/ustr-statement-korus-joint-committee-meeting"
)
D7_DATE_IN_BODY_PATH = f"{_OFFICE}/press-releases/2017/july/ustr-calls-special-session-under-us"
D8_PATH = f"{_OFFICE}/press-releases/2025/september/ustr-statement-implementation-us-korea-trade-agreement"
BANNER_INSIDE_PATH = D7_DATE_IN_BODY_PATH
BANNER_OUTSIDE_PATH = f"{_OFFICE}/press-releases/2017/august/ustr-lighthizer-statement-conclusion"
AS_PREPARED_PATH = (
    f"{_OFFICE}/speeches-and-remarks/2025/september/remarks-ambassador-jamieson-greer-us-korea-business-council"
)
# Names the Republic of Korea among partners, but not KORUS.
IPEF_PATH = f"{_OFFICE}/fact-sheets/2022/may/fact-sheet-indo-pacific-economic-framework-prosperity"


def _statement(
    section: Section,
    published: str,
    folder: str,
    slug: str,
    node_id: int | None,
    title: str,
    *paragraphs: str,
    **quirks: Any,
) -> MirrorStatement:
    day = date.fromisoformat(published)
    year, month = folder.split("/")
    theme = "d7" if day < date(2019, 6, 1) else "d8"  # the Drupal 8 theme arrived in 2019
    return MirrorStatement(
        section=section,
        year=int(year),
        month=month,
        slug=slug,
        title=title,
        published=day,
        paragraphs=list(paragraphs),
        node_id=node_id,
        **({"theme": theme} | quirks),
    )


_PR: Section = "press-releases"
_FS: Section = "fact-sheets"
_SP: Section = "speeches-and-remarks"
_DC = "Washington, DC –"

_KORUS_STATEMENTS: tuple[MirrorStatement, ...] = (
    _statement(
        _SP,
        "2013-03-29",
        "2013/march",
        "remarks-acting-ustr-marantis-korus-first-anniversary",
        4178,
        "Remarks by Acting U.S. Trade Representative Demetrios Marantis at the KORUS FTA First Anniversary",
        f"{_DC} Good evening, and thank you to the Korean Embassy for hosting us tonight.",
        "One year ago the U.S.-Korea Free Trade Agreement entered into force, and U.S. exports of beef, "
        "cherries and passenger vehicles to Korea are up.",
        date_style="blog",
        banner="outside",
    ),
    _statement(
        _PR,
        "2013-05-07",
        "2013/may",
        "korus-fta-implementation-update",
        None,
        "KORUS FTA Implementation Update",
        "Washington, D.C. – USTR today released an update on the implementation of the U.S.-Korea Free Trade "
        "Agreement (KORUS FTA).",
        "The KORUS FTA Committee on Automotive Trade met in Seoul. For more information on the KORUS FTA, click here.",
        date_style="updated",
        banner="inside",
    ),
    _statement(
        _PR,
        "2014-03-14",
        "2014/march",
        "statement-ambassador-froman-second-anniversary-korus",
        5012,
        "Statement by Ambassador Froman on the Second Anniversary of the U.S.-Korea Free Trade Agreement",
        f"{_DC} U.S. Trade Representative Michael Froman issued the following statement on the second "
        "anniversary of KORUS:",
        "“Two years in, KORUS is supporting jobs in both our countries, and we will keep working with Korea on "
        "its customs and financial services commitments.”",
        banner="outside",
        date_in_body=True,
    ),
    _statement(
        _FS,
        "2014-03-15",
        "2014/March",
        "US-Korea-Agreement-Second-Anniversary",
        None,
        "U.S.-Korea Trade Agreement: Second Anniversary",
        f"{_DC} The U.S.-Korea Free Trade Agreement (KORUS) entered into force on March 15, 2012.",
        "In its second year, nearly 80 percent of U.S. industrial exports to Korea entered duty free.",
        banner="inside",
    ),
    _statement(
        _PR,
        "2016-03-15",
        "2016/march",
        "us-korea-trade-agreement-fourth-anniversary",
        7890,
        "U.S.-Korea Trade Agreement Marks Fourth Anniversary",
        f"{_DC} Today marks four years since the U.S.-Korea Free Trade Agreement (KORUS) entered into force.",
        "USTR continues to press Korea on implementation issues, including the treatment of U.S. automobiles.",
        banner="outside",
    ),
    _statement(
        _PR,
        "2017-07-12",
        "2017/july",
        "ustr-calls-special-session-under-us",
        9263,
        "USTR Calls Special Session Under the U.S.-Korea Free Trade Agreement",
        f"{_DC} Ambassador Robert Lighthizer today notified the Republic of Korea that the United States is "
        "calling a special session of the KORUS Joint Committee to start renegotiating the Agreement.",
        "Since the Agreement entered into force, the U.S. trade deficit in goods with Korea has doubled.",
        banner="inside",
        date_in_body=True,
    ),
    _statement(
        _PR,
        "2017-08-22",
        "2017/august",
        "ustr-lighthizer-statement-conclusion",
        9307,
        "USTR Lighthizer Statement on the Conclusion of the Special Session of the US-Korea FTA Joint Committee",
        f"{_DC} Ambassador Lighthizer issued the following statement on the special session of the KORUS Joint "
        "Committee in Seoul:",
        "“The United States proposed amendments and modifications to address the trade imbalance.”",
        date_style="long",
        banner="outside",
    ),
    _statement(
        _PR,
        "2017-10-04",
        "2017/october",
        "ustr-lighthizer-statement-second",
        9345,
        "USTR Lighthizer Statement on the Second Special Session of the KORUS Joint Committee",
        f"{_DC} The second special session of the KORUS Joint Committee concluded today. The Republic of Korea "
        "agreed to begin amendment and modification negotiations.",
        "KORUS Joint Committee Background:",
        "The Joint Committee supervises the implementation of the KORUS FTA and may consider amendments to it.",
    ),
    _statement(
        _PR,
        "2018-01-05",
        "2018/january",
        "statement-conclusion-meeting-us",
        9437,
        "Statement on the Conclusion of the Meeting of the U.S.-Korea Free Trade Agreement in Washington",
        f"{_DC} Officials from the United States and the Republic of Korea met in Washington on January 5 for "
        "the first round of KORUS amendment and modification negotiations.",
    ),
    _statement(
        _FS,
        "2018-02-01",
        "2018/january",
        "statement-conclusion-us-korea-korus-0",
        SEED_NODE_ID,
        "Statement on the Conclusion of US-Korea (Korus) FTA Meetings in Seoul",
        "Seoul, Korea -- Officials from the United States and the Republic of Korea met in Seoul, Korea on "
        "January 31 - February 1 to advance amendment and modification negotiations and other discussions on "
        "the U.S.-Korea (KORUS) Free Trade Agreement.",
        "Discussions focused on specific proposals, including those related to market access and tariffs. The "
        "United States emphasized steps to rebalance the Agreement to improve the large trade deficit in "
        "industrial goods, including autos and auto parts. Additionally, the United States pressed for the "
        "resolution of Agreement implementation concerns that have hindered U.S. goods and services export "
        "growth and opportunities in Korea.",
        "“These negotiations are an example of the Trump Administration’s commitment to making trade deals fair "
        "and reciprocal,” said U.S. Trade Representative Robert Lighthizer. “We must build on these "
        "negotiations with substantive and expeditious progress that will benefit the American people. In "
        "every trade relationship, the United States will stand up for U.S. workers and manufacturers, especially those "
        "facing serious injury or harm by unfair trade practices.”",
        "Both sides anticipate setting dates in the near future for further meetings in Washington, DC. The "
        "U.S. delegation was led by Michael Beeman, Assistant U.S. Trade Representative for Japan, Korea and "
        "APEC. Korea's delegation was led by Deputy Minister Myung-hee Yoo of the Ministry of Trade, Economy and "
        "Industry (MOTIE).",
        "Background:",
        "At the direction of President Trump, in July 2017 Ambassador Lighthizer initiated talks to consider "
        "matters affecting the operation of the KORUS FTA, including to address the significant trade imbalance "
        "and to resolve market access problems in Korea for U.S. exports. This meeting follows KORUS amendment "
        "and modification negotiations held on January 5, 2018, as well as special sessions of the KORUS Joint "
        "Committee in 2017.",
    ),
    _statement(
        _PR,
        "2018-03-28",
        "2018/march",
        "joint-statement-united-states",
        9548,
        "Joint Statement by the United States Trade Representative Robert E. Lighthizer and Republic of Korea "
        "Trade Minister Hyun Chong Kim",
        f"{_DC} Ambassador Lighthizer and Trade Minister Hyun Chong Kim announced an agreement in principle on "
        "amending the U.S.-Korea Free Trade Agreement.",
        "Korea will be exempted from the Section 232 steel tariffs, subject to a quota.",
        date_in_body=True,
    ),
    _statement(
        _FS,
        "2018-03-28",
        "2018/march",
        "new-us-trade-policy-and",
        9549,
        "New U.S. Trade Policy and National Security Outcomes with the Republic of Korea",
        f"{_DC} The United States and the Republic of Korea have agreed in principle on amendments to the KORUS FTA.",
        "Outcomes include a steel quota and an extension of the U.S. truck tariff until 2041. For the full list "
        "of outcomes, click here.",
    ),
    _statement(
        _SP,
        "2018-03-21",
        "2018/march",
        "opening-statement-ustr-robert",
        9531,
        "Opening Statement of USTR Robert Lighthizer to the Senate Finance Committee",
        f"{_DC} Chairman Hatch, Ranking Member Wyden, thank you for the opportunity to discuss our agenda.",
        "We are renegotiating the KORUS FTA with Korea and expect to conclude those talks shortly.",
    ),
    _statement(
        _PR,
        "2018-09-03",
        "2018/september",
        "ustr-publishes-agreed-outcomes",
        9745,
        "USTR Publishes Agreed Outcomes of the KORUS Amendment and Modification Negotiations",
        f"{_DC} USTR today published the outcomes of the KORUS amendment and modification negotiations.",
        "They cover investor-state dispute settlement, trade remedies and autos. To read them, click here.",
    ),
    _statement(
        _PR,
        "2018-09-24",
        "2018/september",
        "joint-statement-signing-us",
        9772,
        "Joint Statement on the Signing of the Protocol Amending the U.S.-Korea Free Trade Agreement",
        "New York, NY – President Trump and President Moon Jae-in today witnessed the signing of the protocol "
        "amending the United States-Korea Free Trade Agreement (KORUS FTA).",
        date_style="long",
    ),
    _statement(
        _PR,
        "2019-01-02",
        "2019/january",
        "united-states-and-korea-bring",
        9879,
        "United States and Korea Bring the Amended KORUS Agreement into Force",
        f"{_DC} The amendments to the U.S.-Korea Free Trade Agreement entered into force on January 1, 2019.",
    ),
    _statement(
        _SP,
        "2019-03-01",
        "2019/february",
        "opening-statement-ustr-robert",
        9960,
        "Opening Statement of USTR Robert Lighthizer to the House Ways and Means Committee",
        f"{_DC} Chairman Neal, Ranking Member Brady, and members of the Committee, thank you.",
        "Last year we concluded the renegotiation of the KORUS FTA, and the amended Agreement is now in force.",
    ),
    _statement(
        _PR,
        "2021-05-21",
        "2021/may",
        "readout-ambassador-katherine-tais-meeting-republic-korea-trade-minister-yeo-han-koo",
        11350,
        "Readout of Ambassador Katherine Tai’s Meeting with Republic of Korea Trade Minister Yeo Han-koo",
        f"{_DC} Ambassador Katherine Tai met today with Republic of Korea Trade Minister Yeo Han-koo to discuss "
        "the implementation of the U.S.-Korea Free Trade Agreement (KORUS).",
    ),
    _statement(
        _PR,
        "2023-10-19",
        "2023/october",
        "joint-statement-meeting-us-korea-free-trade-agreement-joint-committee",
        12480,
        "Joint Statement on the Meeting of the U.S.-Korea Free Trade Agreement Joint Committee",
        "Seoul, Korea – The KORUS FTA Joint Committee held its annual meeting on October 19, 2023. Korea’s "
        "delegation was led by the Ministry of Trade, Industry and Energy (산업통상자원부).",
        "Both sides reviewed the implementation of the Agreement, known in Korea as the 한미 FTA.",
        "한·미 자유무역협정 공동위원회는 협정 이행 상황을 점검하고 양국 간 교역 확대 방안을 논의하였다.",
        "KORUS Joint Committee Background:",
        "The Joint Committee, co-chaired by the U.S. Trade Representative and Korea’s Trade Minister, "
        "supervises the implementation of the KORUS FTA.",
    ),
    _statement(
        _FS,
        "2024-03-15",
        "2024/march",
        "fact-sheet-twelve-years-us-korea-free-trade-agreement",
        12930,
        "Fact Sheet: Twelve Years of the U.S.-Korea Free Trade Agreement",
        f"{_DC} Twelve years after the KORUS FTA entered into force, Korea is a top-ten U.S. trading partner.",
    ),
    _statement(
        _PR,
        "2025-09-03",
        "2025/september",
        "ustr-statement-implementation-us-korea-trade-agreement",
        13702,
        "USTR Statement on Implementation of the United States–Korea Trade Agreement",
        f"{_DC} Ambassador Jamieson Greer today welcomed steps by the Republic of Korea to implement its "
        "commitments under the KORUS FTA and the July 2025 trade deal.",
        "Background:",
        "The amended KORUS FTA has been in force since January 1, 2019.",
    ),
    _statement(
        _SP,
        "2025-09-03",
        "2025/september",
        "remarks-ambassador-jamieson-greer-us-korea-business-council",
        13705,
        "Remarks by Ambassador Jamieson Greer at the U.S.-Korea Business Council",
        f"{_DC} The KORUS FTA remains the foundation of our trade relationship with the Republic of Korea.",
        date_style="as_prepared",
    ),
    _statement(
        _PR,
        "2026-04-14",
        "2026/april",
        "ustr-statement-korus-joint-committee-meeting",
        14120,
        "USTR Statement on the KORUS Joint Committee Meeting",
        f"{_DC} The KORUS Joint Committee met today and reviewed Korea’s implementation of its commitments.",
    ),
    _statement(
        _FS,
        "2026-04-14",
        "2026/april",
        "fact-sheet-korus-joint-committee-outcomes",
        14121,
        "Fact Sheet: Outcomes of the 2026 KORUS Joint Committee",
        f"{_DC} Korea will streamline certification procedures for U.S. autos under the KORUS FTA.",
    ),
)

_OTHER_STATEMENTS: tuple[MirrorStatement, ...] = (
    _statement(
        _PR,
        "2014-11-10",
        "2014/november",
        "us-china-expansion-information-technology-agreement",
        5580,
        "U.S., China Reach Agreement on Expansion of the Information Technology Agreement",
        "Beijing, China – The United States and China today agreed on expanding the WTO Information Technology "
        "Agreement.",
        banner="inside",
    ),
    _statement(
        _PR,
        "2015-10-05",
        "2015/october",
        "summary-trans-pacific-partnership",
        None,
        "Summary of the Trans-Pacific Partnership Agreement",
        "Atlanta, GA – Ministers of the twelve Trans-Pacific Partnership countries concluded negotiations.",
        banner="outside",
    ),
    _statement(
        _PR,
        "2017-09-21",
        "2017/september",
        "ustr-statement-executive-order",
        9330,
        "USTR Statement on the Executive Order Imposing Additional Sanctions with Respect to North Korea",
        f"{_DC} Ambassador Lighthizer issued the following statement on the Executive Order imposing additional "
        "sanctions with respect to North Korea:",
        "“The Order lets the Treasury Department target companies and banks that finance trade with the "
        "Democratic People’s Republic of Korea (DPRK), cutting off revenue for the regime’s weapons programs.”",
    ),
    _statement(
        _PR,
        "2018-03-22",
        "2018/march",
        "president-trump-announces-strong",
        9540,
        "President Trump Announces Strong Actions to Address China’s Unfair Trade",
        f"{_DC} President Trump today directed USTR to propose tariffs on Chinese products under Section 301.",
    ),
    _statement(
        _PR,
        "2018-09-17",
        "2018/september",
        "ustr-finalizes-tariffs-200",
        9762,
        "USTR Finalizes Tariffs on $200 Billion of Chinese Imports in Response to China’s Unfair Trade Practices",
        f"{_DC} USTR today listed about $200 billion of Chinese imports subject to additional tariffs.",
    ),
    _statement(
        _PR,
        "2019-01-02",
        "2019/january",
        "ustr-operating-status",
        9880,
        "USTR Operating Status",
        f"{_DC} Due to the lapse in appropriations, USTR is operating with limited staff.",
    ),
    _statement(
        _PR,
        "2019-01-25",
        "2019/january",
        "ustr-operating-status-0",
        9925,
        "USTR Operating Status",
        f"{_DC} USTR has resumed normal operations.",
    ),
    _statement(
        _PR,
        "2019-01-18",
        "2019/january",
        "ustr-statement-eu’s-consultation",
        9911,
        "USTR Statement on the EU’s Consultation on Trade Negotiations with the United States",
        f"{_DC} “The EU excludes agriculture from its proposed mandate, which is inconsistent with the Joint "
        "Statement of July 25, 2018,” said Ambassador Lighthizer.",
        date_in_body=True,
    ),
    _statement(
        _PR,
        "2019-01-25",
        "2019/january",
        "ustr-robert-lighthizer-joint",
        9927,
        "USTR Robert Lighthizer on the Joint Statement on Electronic Commerce",
        "Davos, Switzerland – Seventy-six WTO members confirmed their intention to negotiate on e-commerce.",
    ),
    _statement(
        _PR,
        "2020-01-15",
        "2020/january",
        "economic-and-trade-agreement-between-united-states-and-china",
        10478,
        "Economic and Trade Agreement Between the United States and China",
        f"{_DC} The United States and China today signed the Phase One Economic and Trade Agreement.",
    ),
    _statement(
        _FS,
        "2020-01-15",
        "2020/january",
        "fact-sheet-economic-and-trade-agreement-united-states-china",
        10480,
        "Fact Sheet: Economic and Trade Agreement Between the United States and China",
        f"{_DC} The Phase One Agreement covers intellectual property, technology transfer and agriculture.",
    ),
    _statement(
        _PR,
        "2020-07-01",
        "2020/july",
        "usmca-enters-into-force",
        10820,
        "USMCA Enters Into Force",
        f"{_DC} The United States-Mexico-Canada Agreement entered into force today.",
    ),
    _statement(
        _PR,
        "2021-06-15",
        "2021/june",
        "us-and-eu-joint-statement-cooperative-framework-large-civil-aircraft",
        11420,
        "U.S. and EU Joint Statement on a Cooperative Framework for Large Civil Aircraft",
        "Brussels, Belgium – The United States and the European Union agreed to settle aircraft disputes.",
    ),
    _statement(
        _SP,
        "2021-10-04",
        "2021/october",
        "remarks-ambassador-katherine-tai-new-approach-us-china-trade",
        11690,
        "Remarks of Ambassador Katherine Tai Outlining a New Approach to the U.S.-China Trade Relationship",
        f"{_DC} We will begin frank engagement with China on its Phase One commitments.",
        date_style="as_prepared",
    ),
    _statement(
        _FS,
        "2022-05-23",
        "2022/may",
        "fact-sheet-indo-pacific-economic-framework-prosperity",
        11990,
        "Fact Sheet: President Biden and Indo-Pacific Partners Launch the Indo-Pacific Economic Framework",
        "Tokyo, Japan – The United States is launching the framework with Australia, India, Japan, the Republic "
        "of Korea, New Zealand, Singapore, Vietnam and other partners.",
    ),
    _statement(
        _PR,
        "2022-06-17",
        "2022/june",
        "ustr-statement-conclusion-wto-12th-ministerial-conference",
        12010,
        "USTR Statement on the Conclusion of the WTO 12th Ministerial Conference",
        "Geneva, Switzerland – The WTO’s 12th Ministerial Conference concluded with an agreement on fisheries.",
    ),
    _statement(
        _PR,
        "2024-03-01",
        "2024/march",
        "ustr-statement-conclusion-wto-13th-ministerial-conference",
        12920,
        "USTR Statement on the Conclusion of the WTO 13th Ministerial Conference",
        "Abu Dhabi, United Arab Emirates – The WTO’s 13th Ministerial Conference concluded today.",
    ),
    _statement(
        _PR,
        "2025-05-08",
        "2025/may",
        "united-states-and-united-kingdom-economic-prosperity-deal",
        13310,
        "United States and United Kingdom Agree to an Economic Prosperity Deal",
        f"{_DC} The United States and the United Kingdom announced the terms of an Economic Prosperity Deal.",
    ),
    _statement(
        _PR,
        "2026-02-10",
        "2026/february",
        "ustr-statement-section-301-shipbuilding-actions",
        14010,
        "USTR Statement on Section 301 Actions on China’s Shipbuilding Sector",
        f"{_DC} USTR today announced further Section 301 actions on China’s shipbuilding sector.",
    ),
)

KORUS_PATHS = tuple(s.path for s in _KORUS_STATEMENTS)
ALL_PATHS = KORUS_PATHS + tuple(s.path for s in _OTHER_STATEMENTS)


def korus_site() -> MirrorSite:
    """A fresh site of the KORUS fixture statements (the speeches landing uses the late-2026 ul.listing)."""
    statements = [
        dataclasses.replace(s, paragraphs=list(s.paragraphs)) for s in (*_KORUS_STATEMENTS, *_OTHER_STATEMENTS)
    ]
    return MirrorSite(statements, landing_styles={"speeches-and-remarks": "listing"})
