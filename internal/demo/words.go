package demo

// Word lists the demo company is built from. Every hanzi that ends up in an
// e-mail address or a domain carries its pinyin.

type word struct{ zh, py string }

var surnames = []word{
	{"王", "wang"}, {"李", "li"}, {"张", "zhang"}, {"刘", "liu"}, {"陈", "chen"}, {"杨", "yang"}, {"黄", "huang"},
	{"赵", "zhao"}, {"吴", "wu"}, {"周", "zhou"}, {"徐", "xu"}, {"孙", "sun"}, {"马", "ma"}, {"朱", "zhu"},
	{"胡", "hu"}, {"郭", "guo"}, {"何", "he"}, {"林", "lin"}, {"高", "gao"}, {"罗", "luo"}, {"郑", "zheng"},
	{"梁", "liang"}, {"谢", "xie"}, {"宋", "song"}, {"唐", "tang"}, {"许", "xu"}, {"韩", "han"}, {"冯", "feng"},
	{"邓", "deng"}, {"曹", "cao"}, {"彭", "peng"}, {"曾", "zeng"}, {"萧", "xiao"}, {"田", "tian"}, {"董", "dong"},
	{"潘", "pan"}, {"袁", "yuan"}, {"蔡", "cai"}, {"蒋", "jiang"}, {"余", "yu"}, {"于", "yu"}, {"杜", "du"},
	{"叶", "ye"}, {"程", "cheng"}, {"魏", "wei"}, {"苏", "su"}, {"吕", "lv"}, {"丁", "ding"}, {"沈", "shen"},
	{"任", "ren"}, {"姚", "yao"}, {"卢", "lu"}, {"姜", "jiang"}, {"崔", "cui"}, {"钟", "zhong"}, {"谭", "tan"},
	{"陆", "lu"}, {"汪", "wang"}, {"范", "fan"}, {"金", "jin"}, {"石", "shi"}, {"廖", "liao"}, {"贾", "jia"},
}

var givenChars = []word{
	{"伟", "wei"}, {"芳", "fang"}, {"娜", "na"}, {"敏", "min"}, {"静", "jing"}, {"丽", "li"}, {"强", "qiang"},
	{"磊", "lei"}, {"军", "jun"}, {"洋", "yang"}, {"勇", "yong"}, {"艳", "yan"}, {"杰", "jie"}, {"娟", "juan"},
	{"涛", "tao"}, {"明", "ming"}, {"超", "chao"}, {"秀", "xiu"}, {"霞", "xia"}, {"平", "ping"}, {"刚", "gang"},
	{"桂", "gui"}, {"文", "wen"}, {"华", "hua"}, {"建", "jian"}, {"国", "guo"}, {"峰", "feng"}, {"婷", "ting"},
	{"晨", "chen"}, {"宇", "yu"}, {"浩", "hao"}, {"凯", "kai"}, {"佳", "jia"}, {"欣", "xin"}, {"怡", "yi"},
	{"雪", "xue"}, {"琳", "lin"}, {"倩", "qian"}, {"鹏", "peng"}, {"辉", "hui"}, {"斌", "bin"}, {"波", "bo"},
	{"宁", "ning"}, {"璐", "lu"}, {"博", "bo"}, {"彬", "bin"}, {"志", "zhi"}, {"海", "hai"}, {"春", "chun"},
	{"亮", "liang"}, {"成", "cheng"}, {"晓", "xiao"}, {"慧", "hui"}, {"颖", "ying"}, {"思", "si"}, {"嘉", "jia"},
	{"子", "zi"}, {"雨", "yu"}, {"梦", "meng"}, {"瑶", "yao"}, {"俊", "jun"}, {"翔", "xiang"}, {"健", "jian"},
	{"昊", "hao"}, {"楠", "nan"}, {"睿", "rui"}, {"泽", "ze"}, {"航", "hang"}, {"萌", "meng"}, {"悦", "yue"},
}

// brandChars make up two-character trade names (字号) like 瑞泰 or 华信.
var brandChars = []word{
	{"华", "hua"}, {"信", "xin"}, {"达", "da"}, {"通", "tong"}, {"瑞", "rui"}, {"泰", "tai"}, {"恒", "heng"},
	{"源", "yuan"}, {"嘉", "jia"}, {"盛", "sheng"}, {"宏", "hong"}, {"远", "yuan"}, {"博", "bo"}, {"锐", "rui"},
	{"联", "lian"}, {"创", "chuang"}, {"天", "tian"}, {"成", "cheng"}, {"新", "xin"}, {"安", "an"}, {"鼎", "ding"},
	{"鑫", "xin"}, {"昊", "hao"}, {"润", "run"}, {"晨", "chen"}, {"星", "xing"}, {"海", "hai"}, {"峰", "feng"},
	{"智", "zhi"}, {"云", "yun"}, {"腾", "teng"}, {"中", "zhong"}, {"东", "dong"}, {"北", "bei"}, {"金", "jin"},
	{"银", "yin"}, {"光", "guang"}, {"明", "ming"}, {"立", "li"}, {"德", "de"}, {"佳", "jia"}, {"和", "he"},
	{"益", "yi"}, {"丰", "feng"}, {"荣", "rong"}, {"兴", "xing"}, {"旺", "wang"}, {"利", "li"}, {"正", "zheng"},
	{"凯", "kai"}, {"航", "hang"}, {"宇", "yu"}, {"辰", "chen"}, {"启", "qi"}, {"铭", "ming"}, {"汇", "hui"},
	{"宝", "bao"}, {"康", "kang"}, {"力", "li"}, {"科", "ke"}, {"洲", "zhou"}, {"越", "yue"}, {"思", "si"},
	{"维", "wei"}, {"拓", "tuo"}, {"展", "zhan"}, {"顺", "shun"}, {"永", "yong"}, {"祥", "xiang"}, {"伟", "wei"},
}

// region is one of the demo company's sales regions with the cities its
// customers sit in.
type region struct {
	team, code string
	cities     []city
}

type city struct {
	name      string // 杭州
	prefix    string // 杭州市
	districts []string
}

var regions = []region{
	{team: "华东区", code: "SH", cities: []city{
		{"上海", "上海市", []string{"浦东新区", "徐汇区", "闵行区", "静安区", "杨浦区"}},
		{"杭州", "浙江省杭州市", []string{"西湖区", "滨江区", "余杭区"}},
		{"南京", "江苏省南京市", []string{"建邺区", "玄武区", "江宁区"}},
		{"苏州", "江苏省苏州市", []string{"工业园区", "吴中区", "虎丘区"}},
	}},
	{team: "华北区", code: "BJ", cities: []city{
		{"北京", "北京市", []string{"海淀区", "朝阳区", "丰台区", "亦庄经济技术开发区"}},
		{"天津", "天津市", []string{"滨海新区", "南开区", "河西区"}},
		{"济南", "山东省济南市", []string{"历下区", "高新区"}},
		{"石家庄", "河北省石家庄市", []string{"长安区", "裕华区"}},
	}},
	{team: "华南区", code: "GZ", cities: []city{
		{"广州", "广东省广州市", []string{"天河区", "黄埔区", "番禺区", "海珠区"}},
		{"深圳", "广东省深圳市", []string{"南山区", "福田区", "宝安区", "龙岗区"}},
		{"厦门", "福建省厦门市", []string{"思明区", "湖里区"}},
		{"佛山", "广东省佛山市", []string{"顺德区", "南海区"}},
	}},
}

var roads = []string{"科技路", "人民路", "建设大道", "创业路", "中山路", "学院路", "长江路", "滨江大道", "高新大道", "解放路", "文化路", "工业大道"}

// industry is a customer industry with the words its company names use.
type industry struct {
	name  string
	words []string
}

var industries = []industry{
	{"制造业", []string{"精密机械", "电子", "汽车零部件", "智能装备", "新材料", "机电"}},
	{"零售", []string{"商贸", "连锁", "电子商务", "百货", "贸易"}},
	{"金融", []string{"金融服务", "融资租赁", "保险代理", "投资管理"}},
	{"医疗健康", []string{"医疗器械", "生物医药", "健康科技", "医药"}},
	{"教育", []string{"教育科技", "培训", "文化传媒"}},
	{"物流", []string{"物流", "供应链管理", "快运", "国际货运"}},
	{"能源", []string{"能源", "新能源", "电力工程", "环保科技"}},
	{"建筑地产", []string{"建设工程", "置业", "建筑设计", "装饰工程"}},
	{"互联网", []string{"网络科技", "信息技术", "软件", "数据科技"}},
	{"食品消费", []string{"食品", "餐饮管理", "农业科技", "饮品"}},
}

var companyForms = []string{"有限公司", "有限公司", "股份有限公司", "集团有限公司"}

var companySizes = []string{"20-99人", "100-499人", "500-999人", "1000-4999人", "5000人以上"}

// Contact titles by decision-chain role (seed 002 决策链).
var titles = map[string][]string{
	"decision_maker": {"总经理", "副总裁", "CIO", "信息中心主任", "采购总监", "财务总监", "运营副总"},
	"influencer":     {"IT经理", "采购经理", "项目经理", "技术总监", "财务经理", "总经理助理"},
	"user":           {"销售经理", "客服主管", "业务专员", "运营主管", "区域经理", "市场专员"},
}

// What the demo company (星河云) sells.
var products = []string{"销售云", "服务云", "营销自动化", "数据中台", "BI分析", "渠道管理", "移动办公"}
var services = []string{"实施服务", "年度维保", "培训服务", "定制开发"}
var projectKinds = []string{"采购项目", "升级项目", "二期项目", "扩容项目", "集团推广项目", "替换项目", "试点项目"}

var sources = []string{"官网线索", "展会", "老客户转介绍", "电话营销", "合作伙伴", "招投标信息", "市场活动", "老客户增购"}

// Competitors are made up, like everyone else here.
var competitors = []string{"云图软件", "迅捷科技", "海纳系统", "北辰信息", "启明数据", "方舟云"}

// lossReasons are the keys of app.LossReasons (seed 002's taxonomy), with how
// often each is given.
var lossReasons = []struct {
	key    string
	weight float64
}{
	{"competitor_price", 0.35}, {"needs_changed", 0.2}, {"decision_maker_changed", 0.15}, {"insufficient_resources", 0.15}, {"other", 0.15},
}

var lossComments = map[string][]string{
	"competitor_price":       {"竞品报价低约两成,客户选择低价方案", "对手大幅让利,价格无法跟进"},
	"needs_changed":          {"客户业务调整,项目搁置", "需求范围缩小,改为自研"},
	"decision_maker_changed": {"客户分管领导更换,新领导倾向原供应商", "决策人离职,项目重新评估"},
	"insufficient_resources": {"售前资源不足,方案未按期交付", "实施周期无法满足客户上线时间"},
	"other":                  {"客户预算冻结", "客户内部流程原因暂停采购"},
}

// Follow-up wording by phase of the deal (early, middle, late).
var topics = [3][]string{
	{"了解业务现状与痛点", "确认采购意向与时间表", "介绍公司及成功案例", "了解现有系统使用情况", "初步沟通预算范围"},
	{"梳理需求清单", "确认需求确认单内容", "讨论技术方案", "澄清预算与审批流程", "安排技术交流", "演示核心功能"},
	{"报价与折扣沟通", "合同条款谈判", "确认签约时间", "法务审核合同", "确认付款方式与回款计划", "确认实施排期"},
}

var inboundNotes = [3][]string{
	{"客户来电咨询产品功能", "客户回复邮件,表示有兴趣深入了解", "客户微信询问案例资料"},
	{"客户反馈需求补充意见", "客户回复:内部讨论后再反馈", "客户询问实施周期"},
	{"客户回复合同修改意见", "客户确认报价已提交审批", "客户询问开票信息"},
}

var nextSteps = [3][]string{
	{"约客户做需求调研", "发送产品资料与案例", "约见业务负责人", "确认关键联系人"},
	{"提交方案初稿", "安排产品演示", "约决策人高层拜访", "准备需求确认单"},
	{"准备正式报价单", "跟进合同审批", "安排签约拜访", "协调法务审核"},
}

var customerNotes = []string{"客户回访,了解系统使用情况", "节日问候", "邀请参加行业沙龙", "年度服务回顾"}

var directSaleNotes = []string{"配件采购", "年度续费", "培训服务", "增购用户许可", "小额定制服务"}
