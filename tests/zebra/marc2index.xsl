<?xml version="1.0" encoding="UTF-8"?>
<!-- Index terms for MARC 21 slim records (a small subset of the Bib-1 mapping in
     idzebra-2.0's MARC21slim2INDEX.xsl): record id from 001, title from 245,
     author from 100/700, language from 008/35-37 and 041, and "any" over all data fields. -->
<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:z="http://indexdata.com/zebra-2.0"
                xmlns:marc="http://www.loc.gov/MARC21/slim"
                exclude-result-prefixes="marc"
                version="1.0">
  <xsl:output indent="yes" method="xml" version="1.0" encoding="UTF-8"/>

  <xsl:template match="text()"/>

  <xsl:template match="/marc:record">
    <z:record z:id="{normalize-space(marc:controlfield[@tag='001'])}">
      <z:index name="id:0">
        <xsl:value-of select="normalize-space(marc:controlfield[@tag='001'])"/>
      </z:index>
      <xsl:for-each select="marc:datafield[@tag='245']/marc:subfield[@code='a' or @code='b']">
        <z:index name="title:w any:w">
          <xsl:value-of select="."/>
        </z:index>
      </xsl:for-each>
      <xsl:for-each select="marc:datafield[@tag='100' or @tag='700']/marc:subfield[@code='a']">
        <z:index name="author:w any:w">
          <xsl:value-of select="."/>
        </z:index>
      </xsl:for-each>
      <z:index name="language:0">
        <xsl:value-of select="substring(marc:controlfield[@tag='008'], 36, 3)"/>
      </z:index>
      <xsl:for-each select="marc:datafield[@tag='041']/marc:subfield[@code='a']">
        <z:index name="language:0">
          <xsl:value-of select="."/>
        </z:index>
      </xsl:for-each>
      <xsl:for-each select="marc:datafield[@tag!='245' and @tag!='100' and @tag!='700']/marc:subfield">
        <z:index name="any:w">
          <xsl:value-of select="."/>
        </z:index>
      </xsl:for-each>
    </z:record>
  </xsl:template>
</xsl:stylesheet>
